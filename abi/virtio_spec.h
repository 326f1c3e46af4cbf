/*
 * virtio_spec.h: facts of the virtio 1.x specification that both sides of
 * memvisor use, the host's devices (vmm/runtime/devices) and the guest's drivers
 * (guest/drivers): virtio-mmio version 2 registers, device status and
 * feature bits, the split-ring layout, and the balloon and block device
 * numbers. Only <stdint.h> types; no code. The asserts pin the layout of
 * what crosses guest memory in both builds.
 */
#ifndef ABI_VIRTIO_SPEC_H
#define ABI_VIRTIO_SPEC_H

#include <stddef.h>
#include <stdint.h>

/* virtio-mmio registers (section 4.2.2), byte offsets; all 32 bits wide */
enum virtio_mmio_reg {
	VIRTIO_MMIO_MAGIC_VALUE = 0x000, VIRTIO_MMIO_VERSION = 0x004,
	VIRTIO_MMIO_DEVICE_ID = 0x008, VIRTIO_MMIO_VENDOR_ID = 0x00c,
	VIRTIO_MMIO_DEVICE_FEATURES = 0x010, VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014,
	VIRTIO_MMIO_DRIVER_FEATURES = 0x020, VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024,
	VIRTIO_MMIO_QUEUE_SEL = 0x030, VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,
	VIRTIO_MMIO_QUEUE_NUM = 0x038, VIRTIO_MMIO_QUEUE_READY = 0x044,
	VIRTIO_MMIO_QUEUE_NOTIFY = 0x050, VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,
	VIRTIO_MMIO_INTERRUPT_ACK = 0x064, VIRTIO_MMIO_STATUS = 0x070,
	VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080, VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,
	VIRTIO_MMIO_QUEUE_AVAIL_LOW = 0x090, VIRTIO_MMIO_QUEUE_AVAIL_HIGH = 0x094,
	VIRTIO_MMIO_QUEUE_USED_LOW = 0x0a0, VIRTIO_MMIO_QUEUE_USED_HIGH = 0x0a4,
	VIRTIO_MMIO_SHM_LEN_LOW = 0x0b0, VIRTIO_MMIO_SHM_LEN_HIGH = 0x0b4,
	VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc, VIRTIO_MMIO_CONFIG = 0x100,
};
#define VIRTIO_MMIO_MAGIC 0x74726976u /* "virt" */

/* device status (section 2.1) */
#define VIRTIO_STATUS_ACKNOWLEDGE        1
#define VIRTIO_STATUS_DRIVER             2
#define VIRTIO_STATUS_DRIVER_OK          4
#define VIRTIO_STATUS_FEATURES_OK        8
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED             128

/* InterruptStatus bits */
#define VIRTIO_INT_USED   1
#define VIRTIO_INT_CONFIG 2

#define VIRTIO_F_VERSION_1 32

/* split virtqueues (section 2.7) */
#define VIRTQ_DESC_F_NEXT          1
#define VIRTQ_DESC_F_WRITE         2
#define VIRTQ_DESC_F_INDIRECT      4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc is 16 bytes (2.7.5)");
_Static_assert(offsetof(struct virtq_desc, len) == 8, "virtq_desc.len");
_Static_assert(offsetof(struct virtq_desc, flags) == 12, "virtq_desc.flags");
_Static_assert(offsetof(struct virtq_desc, next) == 14, "virtq_desc.next");

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];         /* num entries, then used_event */
};
_Static_assert(sizeof(struct virtq_avail) == 4, "virtq_avail header is 4 bytes (2.7.6)");
_Static_assert(offsetof(struct virtq_avail, ring) == 4, "virtq_avail.ring");

struct virtq_used_elem {
	uint32_t id;             /* head of the chain */
	uint32_t len;            /* bytes written into it */
};
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem is 8 bytes (2.7.8)");

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[]; /* num entries, then avail_event */
};
_Static_assert(offsetof(struct virtq_used, ring) == 4, "virtq_used.ring");

/* device ids (section 5) */
#define VIRTIO_ID_BLOCK   2
#define VIRTIO_ID_BALLOON 5

/* traditional memory balloon (section 5.5) */
#define VIRTIO_BALLOON_F_MUST_TELL_HOST 0
#define VIRTIO_BALLOON_F_STATS_VQ       1
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM 2
#define VIRTIO_BALLOON_F_REPORTING      5
#define VIRTIO_BALLOON_PFN_SHIFT        12
/* config fields (5.5.4), byte offsets: num_pages is the device's;
 * the driver writes actual (poison_val only with PAGE_POISON) */
#define VIRTIO_BALLOON_CFG_NUM_PAGES     0
#define VIRTIO_BALLOON_CFG_ACTUAL        4
#define VIRTIO_BALLOON_CFG_CMD_ID        8
#define VIRTIO_BALLOON_CFG_POISON_VAL   12

/* block device (section 5.2) */
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9
#define VIRTIO_BLK_F_CONFIG_WCE 11 /* writeback (config offset 32) driver-writable */
#define VIRTIO_BLK_T_IN       0
#define VIRTIO_BLK_T_OUT      1
#define VIRTIO_BLK_T_FLUSH    4
#define VIRTIO_BLK_T_GET_ID   8
#define VIRTIO_BLK_S_OK       0
#define VIRTIO_BLK_S_IOERR    1
#define VIRTIO_BLK_S_UNSUPP   2

#endif
