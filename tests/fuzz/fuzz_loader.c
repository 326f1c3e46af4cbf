/*
 * fuzz_loader.c: the PVH/ELF kernel loader (vmm/runtime/loader.c) on arbitrary
 * files. A file loader_check accepts must load into a 4 MiB guest (or be
 * refused with a reason) and get a start_info; whatever it accepts, the
 * image it describes must lie where loader.h promises.
 */
#include "fuzz.h"
#include "loader.h"

static void check_image(const struct pvh_image *img, uint64_t ram)
{
	FUZZ_ASSERT(img->nr_loads > 0 && img->nr_loads <= LOADER_MAX_PHDRS);
	FUZZ_ASSERT(img->load_start >= LOADER_KERNEL_MIN);
	FUZZ_ASSERT(img->load_start < img->load_end && img->load_end <= ram);
	FUZZ_ASSERT(img->entry >= img->load_start && img->entry < img->load_end);
}

static void load(const uint8_t *buf, size_t len)
{
	struct guest_memory *m = fuzz_guest_memory();
	struct pvh_image img;
	uint64_t start_info;
	struct mv_error err;
	int rc = loader_load_kernel(m, buf, len, &img, &err);
	if (rc < 0) {
		FUZZ_ASSERT(fuzz_error_ok(&err, rc));
		return;
	}
	check_image(&img, m->ram_size);
	rc = loader_build_start_info(m, &img, "console=ttyS0", buf, len > 4096 ? 4096 : len,
				     &start_info, &err);
	if (rc < 0)
		FUZZ_ASSERT(fuzz_error_ok(&err, rc));
	else
		FUZZ_ASSERT(start_info == LOADER_START_INFO_GPA);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pvh_image img;
	struct mv_error err;
	uint8_t *buf = fuzz_copy(data, size);
	int rc = loader_check(buf, size, 1ull << 30, &img, &err);
	if (rc == 0) {
		check_image(&img, 1ull << 30);
		load(buf, size);
	} else {
		FUZZ_ASSERT(fuzz_error_ok(&err, rc));
	}
	free(buf);
	return 0;
}
