/*
 * Configuration and power model of the fake libnvidia-ml.so.1: parsed from key=value text,
 * evaluated with exact integer arithmetic (power in mW, time in ns, energy in mW*ns = 1e-12 J).
 * Not thread-safe on its own: fake_nvml.c holds its single mutex around every use.
 */
#ifndef FAKE_MODEL_H
#define FAKE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define FAKE_MAX_DEVICES 16
#define FAKE_MAX_TRACE_POINTS 64
/* NVML_DEVICE_NAME_V2_BUFFER_SIZE / NVML_DEVICE_UUID_V2_BUFFER_SIZE in nvml.h: 96 including the NUL. */
#define FAKE_NAME_CAPACITY 96
#define FAKE_UUID_CAPACITY 96
/* NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE / NVML_SYSTEM_NVML_VERSION_BUFFER_SIZE in nvml.h. */
#define FAKE_VERSION_CAPACITY 80
#define FAKE_NS_PER_S 1000000000LL
#define FAKE_MAX_PROCESSES 16
#define FAKE_MAX_MIG 7 /* seven 1g slices on an A100/H100 */

typedef unsigned __int128 fake_u128;

typedef struct {
    int64_t start_ns;  /* offset inside the period */
    uint64_t power_mw; /* constant from start_ns until the next point (or the period end) */
} fake_trace_point;

typedef struct {
    char name[FAKE_NAME_CAPACITY];
    char uuid[FAKE_UUID_CAPACITY];
    unsigned int arch;             /* nvmlDeviceArchitecture_t: 9 = Hopper */
    unsigned int power_limit_mw;
    int64_t period_ns;             /* the trace repeats every period */
    fake_trace_point trace[FAKE_MAX_TRACE_POINTS];
    int trace_len;
    unsigned int utilization_gpu;  /* percent */
    unsigned int utilization_memory;
    unsigned long long memory_total;
    unsigned long long memory_used;     /* excludes reserved, as nvmlMemory_v2_t.used */
    unsigned long long memory_reserved;
    unsigned int temperature_c;
    int energy_unsupported;        /* 1: the energy call returns NVML_ERROR_NOT_SUPPORTED (pre-Volta) */
    int energy_no_permission;      /* 1: the energy call returns NVML_ERROR_NO_PERMISSION */
    unsigned int sm_clock_mhz;     /* nvmlDeviceGetClockInfo, MHz */
    unsigned int mem_clock_mhz;
    unsigned int graphics_clock_mhz;
    int graphics_clock_set;        /* 0: the graphics clock follows the SM clock, as on real GPUs */
    unsigned int sm_clock_max_mhz; /* nvmlDeviceGetMaxClockInfo, MHz */
    unsigned int mem_clock_max_mhz;
    unsigned int graphics_clock_max_mhz;
    int graphics_clock_max_set;    /* 0: follows sm_clock_max */
    int clocks_unsupported;        /* 1: both clock calls return NOT_SUPPORTED; 2: only the max call does */
    int mig_enabled;               /* nvmlDeviceGetMigMode current and pending */
    int mig_devices;               /* MIG devices present when enabled (<= FAKE_MAX_MIG) */
    unsigned int process_pids[FAKE_MAX_PROCESSES];
    unsigned long long process_memory[FAKE_MAX_PROCESSES];
    int process_count;
    int forced_lost;               /* fakeNvmlSetLost: every device call returns GPU_IS_LOST */
    fake_u128 energy_offset;       /* mW*ns at the last fakeNvmlReloadDriver: the counter restarts from 0 */
    int reload_pending;            /* control file: restart the counter just after its next energy read */
    int no_permission;             /* 1: nvmlDeviceGetHandleByIndex returns NVML_ERROR_NO_PERMISSION */
    long long lost_after_calls;    /* -1: never; else device calls beyond this count return GPU_IS_LOST */
    long long calls;               /* device calls so far (fault injection) */
} fake_device;

typedef struct {
    int device_count;
    int64_t energy_update_ns; /* counter quantum; 0 = continuous */
    int init_error;           /* nvmlInit returns this code when non-zero */
    int process_stride;       /* bytes per _v3 process record: 24 (correct) or 32 (the R535 bug) */
    double time_s;            /* >= 0: start on a manual clock at this time (for child processes) */
    char driver_version[FAKE_VERSION_CAPACITY];
    char nvml_version[FAKE_VERSION_CAPACITY];
    fake_device devices[FAKE_MAX_DEVICES];
} fake_config;

/* Defaults: one H100-like device drawing a constant 100 W, 100 ms counter updates. */
void fake_config_defaults(fake_config *config);

/* Parses key=value lines ('#' starts a comment) over the defaults. Returns 0, or the 1-based line
 * number of the first bad line with a reason in err. */
int fake_config_parse(const char *text, fake_config *config, char *err, size_t err_len);

/* Instantaneous trace power at t_ns since the origin. */
uint64_t fake_power_mw(const fake_device *device, int64_t t_ns);

/* Exact integral of the trace over [0, t_ns], in mW*ns. */
fake_u128 fake_energy_mw_ns(const fake_device *device, int64_t t_ns);

#endif
