/*
 * The fake's device topology: PCI info, clocks, MIG mode and MIG devices, and running compute
 * processes (the _v3 call with its optional 32-byte record stride, and the v1 call). Layouts follow
 * nvml.h 13.3 (reference gpu-energy.md 1.4, 1.6, 1.7); state and locking are fake_nvml.c's.
 */
#define _POSIX_C_SOURCE 200809L
#include "fake_internal.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    char busIdLegacy[16];
    unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
    char busId[32];
} nvmlPciInfo_t;                                                     /* 68 bytes */

typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
} nvmlProcessInfo_v1_t;                                              /* 16 bytes */

typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId, computeInstanceId;
} nvmlProcessInfo_v2_t;                                              /* 24 bytes: nvmlProcessInfo_t */

typedef struct {
    nvmlProcessInfo_v2_t base;
    unsigned long long usedGpuCcProtectedMemory;
} nvmlProcessDetail_v1_t;                                            /* 32 bytes: what R535's _v3 wrote */

_Static_assert(sizeof(nvmlPciInfo_t) == 68, "nvmlPciInfo_t is 68 bytes");
_Static_assert(sizeof(nvmlProcessInfo_v1_t) == 16, "nvmlProcessInfo_v1_t is 16 bytes");
_Static_assert(sizeof(nvmlProcessInfo_v2_t) == 24, "nvmlProcessInfo_t is 24 bytes");
_Static_assert(sizeof(nvmlProcessDetail_v1_t) == 32, "nvmlProcessDetail_v1_t is 32 bytes");

#define NO_INSTANCE 0xFFFFFFFFu /* gpuInstanceId / computeInstanceId when MIG is off */

enum { CLOCK_GRAPHICS = 0, CLOCK_SM = 1, CLOCK_MEM = 2, CLOCK_VIDEO = 3 };

EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *pci)
{
    fake_device *d = NULL;
    nvmlReturn_t r = begin(device, pci, &d);
    if (r == NVML_SUCCESS) {
        memset(pci, 0, sizeof(*pci));
        pci->bus = (unsigned int)(0x17 + device->index); /* distinct per GPU, like a real host */
        pci->pciDeviceId = 0x233010DEu;                  /* H100 SXM: device << 16 | NVIDIA vendor */
        snprintf(pci->busId, sizeof(pci->busId), "%08X:%02X:%02X.0", pci->domain, pci->bus, pci->device);
        snprintf(pci->busIdLegacy, sizeof(pci->busIdLegacy), "%04X:%02X:%02X.0", pci->domain, pci->bus, pci->device);
    }
    return end(r);
}

/* Current (max = 0) or maximum (max = 1) clock of one domain, MHz. VIDEO is not modelled: NOT_SUPPORTED,
 * as on GPUs without a video engine; a value outside nvmlClockType_t is INVALID_ARGUMENT. */
static nvmlReturn_t clock_of(const fake_device *d, int type, int max, unsigned int *clock)
{
    if (type < CLOCK_GRAPHICS || type > CLOCK_VIDEO)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (d->clocks_unsupported == 1 || (max && d->clocks_unsupported == 2) || type == CLOCK_VIDEO)
        return NVML_ERROR_NOT_SUPPORTED;
    if (type == CLOCK_MEM)
        *clock = max ? d->mem_clock_max_mhz : d->mem_clock_mhz;
    else if (type == CLOCK_SM)
        *clock = max ? d->sm_clock_max_mhz : d->sm_clock_mhz;
    else if (max)
        *clock = d->graphics_clock_max_set ? d->graphics_clock_max_mhz : d->sm_clock_max_mhz;
    else
        *clock = d->graphics_clock_set ? d->graphics_clock_mhz : d->sm_clock_mhz;
    return NVML_SUCCESS;
}

/* nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t, nvmlClockType_t, unsigned int *clock): MHz; 3, 15. */
EXPORT nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, int type, unsigned int *clock)
{
    fake_device *d = NULL;
    nvmlReturn_t r = begin(device, clock, &d);
    if (r == NVML_SUCCESS)
        r = clock_of(d, type, 0, clock);
    return end(r);
}

/* nvmlReturn_t nvmlDeviceGetMaxClockInfo(nvmlDevice_t, nvmlClockType_t, unsigned int *clock): MHz; 3, 15. */
EXPORT nvmlReturn_t nvmlDeviceGetMaxClockInfo(nvmlDevice_t device, int type, unsigned int *clock)
{
    fake_device *d = NULL;
    nvmlReturn_t r = begin(device, clock, &d);
    if (r == NVML_SUCCESS)
        r = clock_of(d, type, 1, clock);
    return end(r);
}

/* Ampere and newer (arch >= 7) have MIG; older GPUs return NOT_SUPPORTED. */
EXPORT nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned int *currentMode, unsigned int *pendingMode)
{
    fake_device *d = NULL;
    nvmlReturn_t r = begin(device, currentMode, &d);
    if (r == NVML_SUCCESS && pendingMode == NULL)
        r = NVML_ERROR_INVALID_ARGUMENT;
    else if (r == NVML_SUCCESS && d->arch < 7)
        r = NVML_ERROR_NOT_SUPPORTED;
    if (r == NVML_SUCCESS)
        *currentMode = *pendingMode = (unsigned int)d->mig_enabled;
    return end(r);
}

EXPORT nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t device, unsigned int *count)
{
    fake_device *d = NULL;
    nvmlReturn_t r = begin(device, count, &d);
    if (r == NVML_SUCCESS && d->arch < 7)
        r = NVML_ERROR_NOT_SUPPORTED;
    if (r == NVML_SUCCESS)
        *count = d->mig_enabled ? FAKE_MAX_MIG : 0;
    return end(r);
}

/* Slots past the configured mig_devices are empty: NOT_FOUND, as for a slot without a MIG device. */
EXPORT nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t device, unsigned int index, nvmlDevice_t *migDevice)
{
    fake_device *d = NULL;
    nvmlReturn_t r = begin(device, migDevice, &d);
    if (r == NVML_SUCCESS && (!d->mig_enabled || index >= FAKE_MAX_MIG))
        r = NVML_ERROR_INVALID_ARGUMENT;
    else if (r == NVML_SUCCESS && index >= (unsigned int)d->mig_devices)
        r = NVML_ERROR_NOT_FOUND;
    if (r == NVML_SUCCESS)
        *migDevice = &g_mig_handles[device->index][index];
    return end(r);
}

EXPORT nvmlReturn_t nvmlDeviceIsMigDeviceHandle(nvmlDevice_t device, unsigned int *isMigDevice)
{
    fake_device *d = NULL;
    int mig = -1;
    nvmlReturn_t r = begin_any(device, isMigDevice, &d, &mig);
    if (r == NVML_SUCCESS)
        *isMigDevice = mig >= 0;
    return end(r);
}

EXPORT nvmlReturn_t nvmlDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t migDevice, nvmlDevice_t *device)
{
    fake_device *d = NULL;
    int mig = -1;
    nvmlReturn_t r = begin_any(migDevice, device, &d, &mig);
    if (r == NVML_SUCCESS && mig < 0)
        r = NVML_ERROR_INVALID_ARGUMENT;
    if (r == NVML_SUCCESS)
        *device = &g_handles[migDevice->index];
    return end(r);
}

/* Fake numbering: GPU instance = slot + 1, compute instance 0 (one CI per GI). */
static nvmlReturn_t instance_id(nvmlDevice_t device, unsigned int *id, int gpu_instance)
{
    fake_device *d = NULL;
    int mig = -1;
    nvmlReturn_t r = begin_any(device, id, &d, &mig);
    if (r == NVML_SUCCESS && mig < 0)
        r = NVML_ERROR_NOT_SUPPORTED;
    if (r == NVML_SUCCESS)
        *id = gpu_instance ? (unsigned int)mig + 1 : 0;
    return end(r);
}

EXPORT nvmlReturn_t nvmlDeviceGetGpuInstanceId(nvmlDevice_t device, unsigned int *id) { return instance_id(device, id, 1); }
EXPORT nvmlReturn_t nvmlDeviceGetComputeInstanceId(nvmlDevice_t device, unsigned int *id) { return instance_id(device, id, 0); }

/*
 * In/out count (nvml.h): *count smaller than the process count returns INSUFFICIENT_SIZE with the
 * needed count and writes nothing; NULL infos is allowed only with *count == 0. Records are `stride`
 * bytes apart; stride 32 reproduces the R535 driver that wrote nvmlProcessDetail_v1_t records.
 */
static nvmlReturn_t processes(nvmlDevice_t device, unsigned int *count, void *infos, int version)
{
    fake_device *d = NULL;
    nvmlReturn_t r = begin(device, count, &d);
    if (r != NVML_SUCCESS)
        return end(r);
    unsigned int needed = (unsigned int)d->process_count;
    if (*count < needed) {
        *count = needed;
        return end(NVML_ERROR_INSUFFICIENT_SIZE);
    }
    if (needed > 0 && infos == NULL)
        return end(NVML_ERROR_INVALID_ARGUMENT);
    size_t stride = version == 1 ? sizeof(nvmlProcessInfo_v1_t) : (size_t)g_config.process_stride;
    for (unsigned int i = 0; i < needed; i++) {
        unsigned char *record = (unsigned char *)infos + i * stride;
        if (version == 1) {
            nvmlProcessInfo_v1_t v1 = { d->process_pids[i], d->process_memory[i] };
            memcpy(record, &v1, sizeof(v1));
        } else {
            nvmlProcessDetail_v1_t v = { { d->process_pids[i], d->process_memory[i], NO_INSTANCE, NO_INSTANCE }, 0 };
            memcpy(record, &v, stride);
        }
    }
    *count = needed;
    return end(NVML_SUCCESS);
}

#if !FAKE_NVML_OLD_DRIVER
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int *infoCount, nvmlProcessInfo_v2_t *infos)
{
    return processes(device, infoCount, infos, 3);
}
#endif

/* The unversioned name is the v1 ABI: 16-byte records (reference 1.6). */
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t device, unsigned int *infoCount, nvmlProcessInfo_v1_t *infos)
{
    return processes(device, infoCount, infos, 1);
}
