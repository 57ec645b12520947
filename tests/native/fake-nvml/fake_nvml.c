/*
 * ABI-faithful fake of libnvidia-ml.so.1 for GPU-less tests (spec: shared/reference/gpu-energy.md 1.8).
 * Signatures, struct layouts and return codes follow nvml.h (NVML 13.3.29, go-nvml gen/nvml/nvml.h);
 * power and energy come from the configured trace (fake_model.c). One mutex guards all state.
 * PCI info, clocks, MIG and processes live in fake_nvml_topology.c. With -DFAKE_NVML_OLD_DRIVER=1 the
 * versioned symbols newer drivers added (nvmlDeviceGetMemoryInfo_v2, nvmlDeviceGetTemperatureV,
 * nvmlDeviceGetComputeRunningProcesses_v3) and field IDs >= 185 are absent; nvmlInit_v2 / *_v2 handle
 * calls stay, as every driver with an energy counter has them.
 */
#define _POSIX_C_SOURCE 200809L
#include "fake_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* nvml.h: NVML_FI_DEV_TOTAL_ENERGY_CONSUMPTION, _POWER_AVERAGE, _POWER_INSTANT, _ENERGY. */
enum { FI_TOTAL_ENERGY = 83, FI_POWER_AVERAGE = 185, FI_POWER_INSTANT = 186, FI_ENERGY = 191 };
/* nvmlValueType_t */
enum { VALUE_TYPE_UNSIGNED_INT = 1, VALUE_TYPE_UNSIGNED_LONG_LONG = 3 };

typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;                      /* 8 bytes */
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;             /* 24 bytes */
typedef struct {
    unsigned int version;
    unsigned long long total, reserved, free, used;
} nvmlMemory_v2_t;                                                                  /* 40 bytes */
typedef struct { unsigned int version; int sensorType; int temperature; } nvmlTemperature_t; /* 12 */
typedef union {
    double dVal;
    int siVal;
    unsigned int uiVal;
    unsigned long ulVal;
    unsigned long long ullVal;
    signed long long sllVal;
    unsigned short usVal;
} nvmlValue_t;
typedef struct {
    unsigned int fieldId;
    unsigned int scopeId;
    long long timestamp;
    long long latencyUsec;
    int valueType;
    nvmlReturn_t nvmlReturn;
    nvmlValue_t value;
} nvmlFieldValue_t;                                                                 /* 40 bytes */

_Static_assert(sizeof(nvmlMemory_v2_t) == 40, "nvmlMemory_v2_t is 40 bytes");
_Static_assert(sizeof(nvmlFieldValue_t) == 40, "nvmlFieldValue_t is 40 bytes");
_Static_assert(sizeof(nvmlTemperature_t) == 12, "nvmlTemperature_t is 12 bytes");

/* NVML_STRUCT_VERSION(T, v) = sizeof(T) | v << 24 */
#define NVML_MEMORY_V2 ((unsigned int)(sizeof(nvmlMemory_v2_t) | 2u << 24))
#define NVML_TEMPERATURE_V1 ((unsigned int)(sizeof(nvmlTemperature_t) | 1u << 24))

pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
fake_config g_config;
static int g_config_source;        /* 0 none yet, 1 environment/defaults, 2 fakeNvmlConfigure */
static int g_refcount;
static int64_t g_origin_ns;        /* monotonic time of the config load: "driver load" */
static int g_manual_clock;
static int64_t g_manual_ns;
static char g_last_error[256];
struct nvmlDevice_st g_handles[FAKE_MAX_DEVICES];
struct nvmlDevice_st g_mig_handles[FAKE_MAX_DEVICES][FAKE_MAX_MIG];

static int64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * FAKE_NS_PER_S + ts.tv_nsec;
}

static int64_t now_ns(void)
{
    return g_manual_clock ? g_manual_ns : monotonic_ns() - g_origin_ns;
}

static void reset_state(void)
{
    for (int i = 0; i < FAKE_MAX_DEVICES; i++) {
        g_handles[i].index = i;
        g_handles[i].mig = -1;
        for (int m = 0; m < FAKE_MAX_MIG; m++) {
            g_mig_handles[i][m].index = i;
            g_mig_handles[i][m].mig = m;
        }
    }
    g_origin_ns = monotonic_ns();
    g_manual_clock = g_config.time_s >= 0;
    g_manual_ns = g_config.time_s >= 0 ? (int64_t)(g_config.time_s * 1e9 + 0.5) : 0;
}

/* Reads FAKE_NVML_CONFIG (if set) over the defaults. Caller holds g_lock. */
static int load_config_from_environment(void)
{
    fake_config parsed;
    fake_config_defaults(&parsed);
    const char *path = getenv("FAKE_NVML_CONFIG");
    if (path != NULL && *path != '\0') {
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
            snprintf(g_last_error, sizeof(g_last_error), "FAKE_NVML_CONFIG=%s cannot be opened", path);
            return -1;
        }
        static char text[65536];
        size_t n = fread(text, 1, sizeof(text) - 1, f);
        fclose(f);
        text[n] = '\0';
        char err[160] = "";
        int line = fake_config_parse(text, &parsed, err, sizeof(err));
        if (line != 0) {
            snprintf(g_last_error, sizeof(g_last_error), "%s:%d: %s", path, line, err);
            return -1;
        }
    }
    g_config = parsed;
    g_config_source = 1;
    reset_state();
    return 0;
}

static nvmlReturn_t init_locked(void)
{
    if (g_config_source == 0 && load_config_from_environment() != 0) {
        fprintf(stderr, "fake-nvml: %s\n", g_last_error);
        return NVML_ERROR_UNKNOWN;
    }
    const char *forced = getenv("FAKE_NVML_INIT_ERROR");
    if (forced != NULL && *forced != '\0')
        return atoi(forced);
    if (g_config.init_error != 0)
        return g_config.init_error;
    const char *stride = getenv("FAKE_NVML_PROC_STRIDE"); /* the R535 32-byte _v3 records (reference 1.6) */
    if (stride != NULL && (atoi(stride) == 24 || atoi(stride) == 32))
        g_config.process_stride = atoi(stride);
    g_refcount++;
    return NVML_SUCCESS;
}

static nvmlReturn_t init(void)
{
    pthread_mutex_lock(&g_lock);
    nvmlReturn_t r = init_locked();
    pthread_mutex_unlock(&g_lock);
    return r;
}

EXPORT nvmlReturn_t nvmlInit_v2(void) { return init(); }
EXPORT nvmlReturn_t nvmlInit(void) { return init(); }
EXPORT nvmlReturn_t nvmlInitWithFlags(unsigned int flags) { (void)flags; return init(); }

EXPORT nvmlReturn_t nvmlShutdown(void)
{
    pthread_mutex_lock(&g_lock);
    nvmlReturn_t r = g_refcount == 0 ? NVML_ERROR_UNINITIALIZED : NVML_SUCCESS;
    if (g_refcount > 0)
        g_refcount--;
    pthread_mutex_unlock(&g_lock);
    return r;
}

EXPORT const char *nvmlErrorString(nvmlReturn_t result)
{
    switch (result) {
    case 0: return "Success";
    case 1: return "Uninitialized";
    case 2: return "Invalid Argument";
    case 3: return "Not Supported";
    case 4: return "Insufficient Permissions";
    case 5: return "Already Initialized";
    case 6: return "Not Found";
    case 7: return "Insufficient Size";
    case 8: return "Insufficient External Power";
    case 9: return "Driver Not Loaded";
    case 10: return "Timeout";
    case 11: return "Interrupt request issue";
    case 12: return "NVML Shared Library Not Found";
    case 13: return "Function Not Found";
    case 14: return "Corrupted infoROM";
    case 15: return "GPU is lost";
    case 16: return "GPU requires restart";
    case 17: return "The operating system has blocked the request.";
    case 18: return "RM has detected an NVML/RM version mismatch.";
    case 19: return "In use by another client";
    case 20: return "Insufficient Memory";
    case 21: return "No data";
    case 25: return "Argument version mismatch";
    case 26: return "Deprecated";
    case 27: return "Not Ready";
    case 28: return "GPU Not Found";
    default: return "Unknown Error";
    }
}

static nvmlReturn_t copy_string(char *dst, unsigned int length, const char *src)
{
    if (dst == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    size_t need = strlen(src) + 1;
    if (length < need)
        return NVML_ERROR_INSUFFICIENT_SIZE; /* writes nothing, like the driver */
    memcpy(dst, src, need);
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length)
{
    pthread_mutex_lock(&g_lock);
    nvmlReturn_t r = g_refcount == 0 ? NVML_ERROR_UNINITIALIZED : copy_string(version, length, g_config.driver_version);
    pthread_mutex_unlock(&g_lock);
    return r;
}

/* Callable before init: its nvml.h error list has no UNINITIALIZED. */
EXPORT nvmlReturn_t nvmlSystemGetNVMLVersion(char *version, unsigned int length)
{
    pthread_mutex_lock(&g_lock);
    if (g_config_source == 0)
        fake_config_defaults(&g_config);
    nvmlReturn_t r = copy_string(version, length, g_config.nvml_version);
    pthread_mutex_unlock(&g_lock);
    return r;
}

static nvmlReturn_t get_count(unsigned int *count)
{
    pthread_mutex_lock(&g_lock);
    nvmlReturn_t r = g_refcount == 0 ? NVML_ERROR_UNINITIALIZED : count == NULL ? NVML_ERROR_INVALID_ARGUMENT : NVML_SUCCESS;
    if (r == NVML_SUCCESS)
        *count = (unsigned int)g_config.device_count;
    pthread_mutex_unlock(&g_lock);
    return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount) { return get_count(deviceCount); }
EXPORT nvmlReturn_t nvmlDeviceGetCount(unsigned int *deviceCount) { return get_count(deviceCount); }

static int is_lost(const fake_device *d)
{
    return d->forced_lost || (d->lost_after_calls >= 0 && d->calls > d->lost_after_calls);
}

static nvmlReturn_t get_handle(unsigned int index, nvmlDevice_t *device)
{
    pthread_mutex_lock(&g_lock);
    nvmlReturn_t r = NVML_SUCCESS;
    if (g_refcount != 0)
        control_poll_locked();
    if (g_refcount == 0)
        r = NVML_ERROR_UNINITIALIZED;
    else if (device == NULL || index >= (unsigned int)g_config.device_count)
        r = NVML_ERROR_INVALID_ARGUMENT;
    else if (is_lost(&g_config.devices[index]))
        r = NVML_ERROR_GPU_IS_LOST;
    else if (g_config.devices[index].no_permission)
        r = NVML_ERROR_NO_PERMISSION;
    else if (is_lost(&g_config.devices[index]))
        r = NVML_ERROR_GPU_IS_LOST;
    else
        *device = &g_handles[index];
    pthread_mutex_unlock(&g_lock);
    return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) { return get_handle(index, device); }
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t *device) { return get_handle(index, device); }

EXPORT nvmlReturn_t nvmlDeviceGetHandleByUUID(const char *uuid, nvmlDevice_t *device)
{
    pthread_mutex_lock(&g_lock);
    if (g_refcount != 0)
        control_poll_locked();
    nvmlReturn_t r = g_refcount == 0 ? NVML_ERROR_UNINITIALIZED
                   : uuid == NULL || device == NULL ? NVML_ERROR_INVALID_ARGUMENT
                   : NVML_ERROR_NOT_FOUND;
    for (int i = 0; r == NVML_ERROR_NOT_FOUND && i < g_config.device_count; i++) {
        if (strcmp(g_config.devices[i].uuid, uuid) == 0) {
            r = is_lost(&g_config.devices[i]) ? NVML_ERROR_GPU_IS_LOST : NVML_SUCCESS;
            if (r == NVML_SUCCESS)
                *device = &g_handles[i];
        }
    }
    pthread_mutex_unlock(&g_lock);
    return r;
}

/*
 * Every call taking a device handle runs between a begin and end(): lock, check init (1), the
 * handle (2; MIG handles only where begin_any accepts them), the out pointer (2), count the call and
 * apply GPU_IS_LOST (15). *mig is the MIG slot, or -1 for the physical GPU.
 */
nvmlReturn_t begin_any(nvmlDevice_t device, const void *out, fake_device **d, int *mig)
{
    pthread_mutex_lock(&g_lock);
    if (g_refcount == 0)
        return NVML_ERROR_UNINITIALIZED;
    control_poll_locked();
    uintptr_t p = (uintptr_t)device, first = (uintptr_t)&g_handles[0];
    uintptr_t first_mig = (uintptr_t)&g_mig_handles[0][0];
    size_t size = sizeof(g_handles[0]);
    int physical = p >= first && p < first + size * (size_t)g_config.device_count && (p - first) % size == 0;
    int in_mig = p >= first_mig && p < first_mig + sizeof(g_mig_handles) && (p - first_mig) % size == 0;
    if (!physical && !in_mig)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (in_mig) {
        const fake_device *parent = &g_config.devices[device->index];
        if (device->index >= g_config.device_count || !parent->mig_enabled || device->mig >= parent->mig_devices)
            return NVML_ERROR_INVALID_ARGUMENT; /* a MIG handle that no longer exists */
    }
    if (out == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    *d = &g_config.devices[device->index];
    *mig = device->mig;
    (*d)->calls++;
    return is_lost(*d) ? NVML_ERROR_GPU_IS_LOST : NVML_SUCCESS;
}

/* Physical GPUs only: power, energy, clocks and utilisation are "N/A" on MIG handles (reference 1.7). */
nvmlReturn_t begin(nvmlDevice_t device, const void *out, fake_device **d)
{
    int mig = -1;
    nvmlReturn_t r = begin_any(device, out, d, &mig);
    return r == NVML_SUCCESS && mig >= 0 ? NVML_ERROR_NOT_SUPPORTED : r;
}

nvmlReturn_t end(nvmlReturn_t r)
{
    pthread_mutex_unlock(&g_lock);
    return r;
}

static int64_t quantised_ns(int64_t t)
{
    int64_t q = g_config.energy_update_ns;
    return q > 0 ? t - t % q : t;
}

/* mW*ns -> mJ: 1 mW*ns = 1e-12 J = 1e-9 mJ. Floor, like an integer counter. */
static unsigned long long energy_mj(const fake_device *d)
{
    fake_u128 e = fake_energy_mw_ns(d, quantised_ns(now_ns()));
    e = e > d->energy_offset ? e - d->energy_offset : 0;
    return (unsigned long long)(e / (fake_u128)FAKE_NS_PER_S);
}

/* Exact trailing 1-s average (over [0, t] while t < 1 s). */
static unsigned int average_power_mw(const fake_device *d)
{
    int64_t t = now_ns();
    if (t <= 0)
        return (unsigned int)fake_power_mw(d, 0);
    int64_t window = t < FAKE_NS_PER_S ? t : FAKE_NS_PER_S;
    fake_u128 e = fake_energy_mw_ns(d, t) - fake_energy_mw_ns(d, t - window);
    return (unsigned int)(e / (fake_u128)window);
}

/* A MIG handle gives the MIG device's own name ("<GPU> MIG 1g.<n>gb") and "MIG-" UUID. */
EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
    fake_device *d = NULL;
    int mig = -1;
    nvmlReturn_t r = begin_any(device, name, &d, &mig);
    char text[FAKE_NAME_CAPACITY + 32];
    if (r == NVML_SUCCESS && mig >= 0)
        snprintf(text, sizeof(text), "%.90s MIG 1g", d->name);
    return end(r != NVML_SUCCESS ? r : copy_string(name, length, mig >= 0 ? text : d->name));
}

EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length)
{
    fake_device *d = NULL;
    int mig = -1;
    nvmlReturn_t r = begin_any(device, uuid, &d, &mig);
    char text[FAKE_UUID_CAPACITY + 16];
    if (r == NVML_SUCCESS && mig >= 0)
        snprintf(text, sizeof(text), "MIG-%.80s-%d", strncmp(d->uuid, "GPU-", 4) == 0 ? d->uuid + 4 : d->uuid, mig);
    return end(r != NVML_SUCCESS ? r : copy_string(uuid, length, mig >= 0 ? text : d->uuid));
}

EXPORT nvmlReturn_t nvmlDeviceGetArchitecture(nvmlDevice_t device, unsigned int *arch)
{
    fake_device *d = NULL;
    nvmlReturn_t r = begin(device, arch, &d);
    if (r == NVML_SUCCESS)
        *arch = d->arch;
    return end(r);
}

EXPORT nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy)
{
    fake_device *d = NULL;
    nvmlReturn_t r = begin(device, energy, &d);
    if (r == NVML_SUCCESS && d->energy_unsupported)
        r = NVML_ERROR_NOT_SUPPORTED;
    else if (r == NVML_SUCCESS && d->energy_no_permission)
        r = NVML_ERROR_NO_PERMISSION;
    if (r == NVML_SUCCESS) {
        *energy = energy_mj(d);
        if (d->reload_pending)
            reload_device_locked(d);
    }
    return end(r);
}

/* Instantaneous, like GA100 and older (reference 2.1). */
EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power)
{
    fake_device *d = NULL;
    nvmlReturn_t r = begin(device, power, &d);
    if (r == NVML_SUCCESS)
        *power = (unsigned int)fake_power_mw(d, now_ns());
    return end(r);
}

static nvmlReturn_t power_limit(nvmlDevice_t device, unsigned int *limit)
{
    fake_device *d = NULL;
    nvmlReturn_t r = begin(device, limit, &d);
    if (r == NVML_SUCCESS)
        *limit = d->power_limit_mw;
    return end(r);
}

EXPORT nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned int *limit) { return power_limit(device, limit); }
EXPORT nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t device, unsigned int *limit) { return power_limit(device, limit); }

EXPORT nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization)
{
    fake_device *d = NULL;
    nvmlReturn_t r = begin(device, utilization, &d);
    if (r == NVML_SUCCESS && d->mig_enabled) /* nvml.h: not supported on MIG-enabled GPUs */
        r = NVML_ERROR_NOT_SUPPORTED;
    if (r == NVML_SUCCESS) {
        utilization->gpu = d->utilization_gpu;
        utilization->memory = d->utilization_memory;
    }
    return end(r);
}

/* v1: used includes the reserved memory. */
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory)
{
    fake_device *d = NULL;
    int mig = -1;
    nvmlReturn_t r = begin_any(device, memory, &d, &mig);
    if (r == NVML_SUCCESS && mig >= 0) { /* a MIG device: an equal slice, nothing used */
        memory->total = d->memory_total / (unsigned long long)FAKE_MAX_MIG;
        memory->used = 0;
        memory->free = memory->total;
    } else if (r == NVML_SUCCESS) {
        memory->total = d->memory_total;
        memory->used = d->memory_used + d->memory_reserved;
        memory->free = d->memory_total - memory->used;
    }
    return end(r);
}

#if !FAKE_NVML_OLD_DRIVER
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *memory)
{
    fake_device *d = NULL;
    int mig = -1;
    nvmlReturn_t r = begin_any(device, memory, &d, &mig);
    if (r == NVML_SUCCESS && memory->version != NVML_MEMORY_V2)
        r = NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    if (r == NVML_SUCCESS && mig >= 0) {
        memory->total = d->memory_total / (unsigned long long)FAKE_MAX_MIG;
        memory->reserved = 0;
        memory->used = 0;
        memory->free = memory->total;
    } else if (r == NVML_SUCCESS) {
        memory->total = d->memory_total;
        memory->reserved = d->memory_reserved;
        memory->used = d->memory_used;
        memory->free = d->memory_total - d->memory_used - d->memory_reserved;
    }
    return end(r);
}

EXPORT nvmlReturn_t nvmlDeviceGetTemperatureV(nvmlDevice_t device, nvmlTemperature_t *temperature)
{
    fake_device *d = NULL;
    nvmlReturn_t r = begin(device, temperature, &d);
    if (r == NVML_SUCCESS && temperature->version != NVML_TEMPERATURE_V1)
        r = NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    else if (r == NVML_SUCCESS && temperature->sensorType != 0)
        r = NVML_ERROR_INVALID_ARGUMENT;
    if (r == NVML_SUCCESS)
        temperature->temperature = (int)d->temperature_c;
    return end(r);
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensorType, unsigned int *temp)
{
    fake_device *d = NULL;
    nvmlReturn_t r = begin(device, temp, &d);
    if (r == NVML_SUCCESS && sensorType != 0) /* NVML_TEMPERATURE_GPU is the only sensor */
        r = NVML_ERROR_INVALID_ARGUMENT;
    if (r == NVML_SUCCESS)
        *temp = d->temperature_c;
    return end(r);
}

static void field_value(fake_device *d, nvmlFieldValue_t *v, long long timestamp_us)
{
    v->timestamp = timestamp_us;
    v->latencyUsec = 0;
    v->nvmlReturn = NVML_SUCCESS;
    int newer_field = v->fieldId == FI_POWER_AVERAGE || v->fieldId == FI_POWER_INSTANT || v->fieldId == FI_ENERGY;
    if (FAKE_NVML_OLD_DRIVER && newer_field) { /* IDs 185-192 arrived with the 12.2 header */
        v->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
        return;
    }
    if (newer_field && v->scopeId != 0) { /* only the GPU power scope exists on this fake */
        v->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
        return;
    }
    switch (v->fieldId) {
    case FI_TOTAL_ENERGY:
    case FI_ENERGY:
        v->valueType = VALUE_TYPE_UNSIGNED_LONG_LONG;
        if (d->energy_unsupported)
            v->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
        else
            v->value.ullVal = energy_mj(d);
        if (d->reload_pending)
            reload_device_locked(d);
        break;
    case FI_POWER_AVERAGE:
        v->valueType = VALUE_TYPE_UNSIGNED_INT;
        v->value.uiVal = average_power_mw(d);
        break;
    case FI_POWER_INSTANT:
        v->valueType = VALUE_TYPE_UNSIGNED_INT;
        v->value.uiVal = (unsigned int)fake_power_mw(d, now_ns());
        break;
    default:
        v->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
        break;
    }
}

/* SUCCESS means "some populated": callers check each entry's nvmlReturn. */
EXPORT nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t device, int valuesCount, nvmlFieldValue_t *values)
{
    fake_device *d = NULL;
    nvmlReturn_t r = begin(device, values, &d);
    if (r == NVML_SUCCESS && valuesCount < 0)
        r = NVML_ERROR_INVALID_ARGUMENT;
    if (r == NVML_SUCCESS) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long long timestamp_us = (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
        for (int i = 0; i < valuesCount; i++)
            field_value(d, &values[i], timestamp_us);
    }
    return end(r);
}

/* ---- Test control functions: not NVML API. ---- */

/* Replaces the configuration (NULL: forget it, so the next first init re-reads FAKE_NVML_CONFIG),
 * resets call counters, the energy origin and the clock. Returns 0 or the first bad line number. */
EXPORT int fakeNvmlConfigure(const char *configText)
{
    pthread_mutex_lock(&g_lock);
    int line = 0;
    if (configText == NULL) {
        g_config_source = 0;
    } else {
        fake_config parsed;
        fake_config_defaults(&parsed);
        char err[160] = "";
        line = fake_config_parse(configText, &parsed, err, sizeof(err));
        if (line != 0) {
            snprintf(g_last_error, sizeof(g_last_error), "line %d: %s", line, err);
        } else {
            g_config = parsed;
            g_config_source = 2;
            g_last_error[0] = '\0';
            reset_state();
        }
    }
    pthread_mutex_unlock(&g_lock);
    return line;
}

EXPORT const char *fakeNvmlLastError(void)
{
    return g_last_error;
}

/* Manual clock: energy and power are evaluated at this many seconds after the origin. */
EXPORT void fakeNvmlSetTime(double seconds)
{
    pthread_mutex_lock(&g_lock);
    g_manual_clock = 1;
    g_manual_ns = seconds > 0 ? (int64_t)(seconds * 1e9 + 0.5) : 0;
    pthread_mutex_unlock(&g_lock);
}

/* Makes device `index` answer GPU_IS_LOST to everything (lost != 0), or brings it back (0). */
EXPORT void fakeNvmlSetLost(int index, int lost)
{
    pthread_mutex_lock(&g_lock);
    if (index >= 0 && index < FAKE_MAX_DEVICES) {
        g_config.devices[index].forced_lost = lost != 0;
        if (!lost)
            g_config.devices[index].lost_after_calls = -1;
    }
    pthread_mutex_unlock(&g_lock);
}

/* Device calls device `index` has answered since the last configure (any call that resolved the handle). */
EXPORT long long fakeNvmlDeviceCalls(int index)
{
    long long calls = -1;
    pthread_mutex_lock(&g_lock);
    if (index >= 0 && index < FAKE_MAX_DEVICES)
        calls = g_config.devices[index].calls;
    pthread_mutex_unlock(&g_lock);
    return calls;
}

void reload_device_locked(fake_device *d)
{
    d->energy_offset = fake_energy_mw_ns(d, quantised_ns(now_ns()));
    d->reload_pending = 0;
}

/* A driver reload: every energy counter restarts from 0 at the current time. */
EXPORT void fakeNvmlReloadDriver(void)
{
    pthread_mutex_lock(&g_lock);
    for (int i = 0; i < FAKE_MAX_DEVICES; i++)
        reload_device_locked(&g_config.devices[i]);
    pthread_mutex_unlock(&g_lock);
}

EXPORT void fakeNvmlUseRealClock(void)
{
    pthread_mutex_lock(&g_lock);
    g_manual_clock = 0;
    pthread_mutex_unlock(&g_lock);
}
