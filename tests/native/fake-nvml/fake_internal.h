/*
 * Shared between the fake's translation units: the NVML types they need, the one lock and the
 * handle bookkeeping. Not exported (the library is built with -fvisibility=hidden).
 */
#ifndef FAKE_INTERNAL_H
#define FAKE_INTERNAL_H

#include "fake_model.h"

#include <pthread.h>

#ifndef FAKE_NVML_OLD_DRIVER
#define FAKE_NVML_OLD_DRIVER 0
#endif

#define EXPORT __attribute__((visibility("default")))

typedef int nvmlReturn_t;
enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_NO_PERMISSION = 4,
    NVML_ERROR_NOT_FOUND = 6,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_GPU_IS_LOST = 15,
    NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25,
    NVML_ERROR_UNKNOWN = 999,
};

/* mig: -1 for a physical GPU's handle, else the MIG slot of a MIG device handle. */
typedef struct nvmlDevice_st { int index; int mig; } *nvmlDevice_t;

extern pthread_mutex_t g_lock;
extern fake_config g_config;
extern struct nvmlDevice_st g_handles[FAKE_MAX_DEVICES];
extern struct nvmlDevice_st g_mig_handles[FAKE_MAX_DEVICES][FAKE_MAX_MIG];

/* Lock, validate and count a device call (see fake_nvml.c); always pair with end(). */
nvmlReturn_t begin_any(nvmlDevice_t device, const void *out, fake_device **d, int *mig);
nvmlReturn_t begin(nvmlDevice_t device, const void *out, fake_device **d);
nvmlReturn_t end(nvmlReturn_t r);

/* Re-reads FAKE_NVML_CONTROL when it changed (fake_nvml_control.c). Caller holds g_lock. */
void control_poll_locked(void);

/* Restarts device d's energy counter from 0 at the current (quantised) time. Caller holds g_lock. */
void reload_device_locked(fake_device *d);

#endif
