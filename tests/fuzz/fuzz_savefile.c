/*
 * fuzz_savefile.c: the save-file reader (vmm/save/savefile.c, on top of
 * vmm/snap/snapfile.c) on arbitrary note segments.
 *
 * A save file's RAM segment is megabytes of (mostly hole) zeros that no
 * fuzzer input could hold, so the harness builds the file around the
 * input: input byte 0 is the RAM size in MiB (4 to 64, clamped), the rest
 * is the PT_NOTE segment; an ELF header, the note segment and one
 * page-aligned zero PT_LOAD of that size at GPA 0 make the file. What the
 * reader accepts is then checked against its invariant: one vCPU record
 * per vCPU, a page bitmap per slot whose last byte is readable and whose
 * count is the recorded one, a balloon bitmap as long as its PFNs need.
 * Seeds: the note segment of a real save (tests/fuzz/corpus/savefile/).
 */
#include "fuzz.h"
#include "savefile.h"
#include "util.h"

#include <elf.h>

#define MAX_RAM_MIB 64

static uint8_t *build_file(const uint8_t *data, size_t size, size_t *len)
{
	uint64_t ram = (uint64_t)(data[0] < 4 ? 4 : data[0] > MAX_RAM_MIB ? MAX_RAM_MIB : data[0]) << 20;
	size_t notes_len = size - 1, notes_off = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
	size_t ram_off = (notes_off + notes_len + 4095) & ~(size_t)4095;
	*len = ram_off + ram;
	uint8_t *f = calloc(1, *len);
	FUZZ_ASSERT(f);
	Elf64_Ehdr eh = { .e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			  .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
			  .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 2 };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	Elf64_Phdr ph[2] = {
		{ .p_type = PT_NOTE, .p_offset = notes_off, .p_filesz = notes_len, .p_align = 4 },
		{ .p_type = PT_LOAD, .p_offset = ram_off, .p_filesz = ram, .p_memsz = ram,
		  .p_align = 4096 },
	};
	memcpy(f, &eh, sizeof(eh));
	memcpy(f + sizeof(eh), ph, sizeof(ph));
	memcpy(f + notes_off, data + 1, notes_len);
	return f;
}

static void check_image(const struct save_image *img)
{
	uint64_t saved = 0;
	FUZZ_ASSERT(img->hdr.nr_cpus >= 1 && img->hdr.nr_cpus <= VM_MAX_CPUS);
	for (uint32_t i = 0; i < img->hdr.nr_cpus; i++)
		FUZZ_ASSERT(img->vcpus[i].cpu == i && img->vcpus[i].nr_msrs <= VCPU_MAX_MSRS);
	FUZZ_ASSERT(img->nr_slots >= 1 && img->nr_slots <= MEM_MAX_SLOTS);
	for (int i = 0; i < img->nr_slots; i++) {
		const struct save_ram *r = &img->ram[i];
		FUZZ_ASSERT(r->bits && r->size && r->file_offset % 4096 == 0);
		fuzz_touch(&r->bits[(r->size / 4096 - 1) / 8]);
		saved += r->saved;
	}
	FUZZ_ASSERT(saved == img->hdr.pages_saved);
	FUZZ_ASSERT(img->balloon_held);
	if (img->balloon.nr_pfns)
		fuzz_touch(&img->balloon_held[(img->balloon.nr_pfns - 1) / 8]);
	if (img->hdr.devices & SNAP_SAVE_DEV_BLK)
		FUZZ_ASSERT(img->blk.path[0] == '/' && strlen(img->blk.path) < BLK_STATE_PATH);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct save_image img;
	struct mv_error err;
	size_t len;
	if (size < 1)
		return 0;
	uint8_t *file = build_file(data, size, &len);
	int rc = savefile_parse(&img, file, len, &err);
	if (rc == 0) {
		check_image(&img);
		savefile_free(&img);
	} else {
		FUZZ_ASSERT(fuzz_error_ok(&err, rc));
	}
	free(file);
	return 0;
}
