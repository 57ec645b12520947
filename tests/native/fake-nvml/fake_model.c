/*
 * Config parser and exact power/energy model for the fake NVML (see fake_model.h).
 * Format: one key=value per line, '#' to end of line is a comment, blanks ignored; unknown keys are
 * errors so a typo in a test config fails loudly instead of silently using a default.
 */
#define _POSIX_C_SOURCE 200809L
#include "fake_model.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fake_config_defaults(fake_config *config)
{
    memset(config, 0, sizeof(*config));
    config->device_count = 1;
    config->energy_update_ns = 100LL * 1000000LL; /* driver update period, reference gpu-energy.md 2.1 */
    config->process_stride = 24;                  /* sizeof(nvmlProcessInfo_v2_t) */
    config->time_s = -1;
    snprintf(config->driver_version, sizeof(config->driver_version), "550.163.01");
    snprintf(config->nvml_version, sizeof(config->nvml_version), "12.550.163.01");
    for (int i = 0; i < FAKE_MAX_DEVICES; i++) {
        fake_device *d = &config->devices[i];
        snprintf(d->name, sizeof(d->name), "NVIDIA H100 80GB HBM3");
        snprintf(d->uuid, sizeof(d->uuid), "GPU-fa4e0000-0000-4000-8000-%012d", i);
        d->arch = 9;
        d->power_limit_mw = 700000;
        d->period_ns = FAKE_NS_PER_S;
        d->trace[0].start_ns = 0;
        d->trace[0].power_mw = 100000;
        d->trace_len = 1;
        d->memory_total = 85899345920ULL;
        d->temperature_c = 40;
        d->lost_after_calls = -1;
        d->sm_clock_mhz = 1980;      /* H100 SXM5 at full boost */
        d->mem_clock_mhz = 2619;
        d->sm_clock_max_mhz = 1980;  /* nvidia-smi -q "Max Clocks" of an H100 SXM5 */
        d->mem_clock_max_mhz = 2619;
    }
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

static int parse_ull(const char *value, unsigned long long max, unsigned long long *out)
{
    if (*value == '\0' || *value == '-')
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(value, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *value, double min, double max, double *out)
{
    if (*value == '\0')
        return -1;
    char *end = NULL;
    errno = 0;
    double v = strtod(value, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* "t0:w0,t1:w1,..." seconds:watts, starting at 0, strictly increasing. */
static int parse_trace(char *value, fake_device *d, char *err, size_t err_len)
{
    int len = 0;
    int64_t last = -1;
    char *save = NULL;
    for (char *item = strtok_r(value, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');
        double seconds, watts;
        if (colon == NULL) {
            snprintf(err, err_len, "trace point '%s' is not seconds:watts", trim(item));
            return -1;
        }
        *colon = '\0';
        if (parse_double(trim(item), 0, 1e6, &seconds) != 0 || parse_double(trim(colon + 1), 0, 1e6, &watts) != 0) {
            snprintf(err, err_len, "trace point has a bad number");
            return -1;
        }
        if (len == FAKE_MAX_TRACE_POINTS) {
            snprintf(err, err_len, "more than %d trace points", FAKE_MAX_TRACE_POINTS);
            return -1;
        }
        int64_t start = llround(seconds * 1e9);
        if ((len == 0 && start != 0) || start <= last) {
            snprintf(err, err_len, "trace must start at 0 and increase");
            return -1;
        }
        d->trace[len].start_ns = start;
        d->trace[len].power_mw = (uint64_t)llround(watts * 1000.0);
        last = start;
        len++;
    }
    if (len == 0) {
        snprintf(err, err_len, "empty trace");
        return -1;
    }
    d->trace_len = len;
    return 0;
}

/* "pid:bytes,pid:bytes,..." */
static int parse_processes(char *value, fake_device *d, char *err, size_t err_len)
{
    int n = 0;
    char *save = NULL;
    for (char *item = strtok_r(value, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');
        unsigned long long pid, bytes;
        if (colon == NULL || n == FAKE_MAX_PROCESSES) {
            snprintf(err, err_len, "processes: pid:bytes pairs, at most %d", FAKE_MAX_PROCESSES);
            return -1;
        }
        *colon = '\0';
        if (parse_ull(trim(item), 0xffffffffULL, &pid) != 0 || parse_ull(trim(colon + 1), ~0ULL, &bytes) != 0) {
            snprintf(err, err_len, "processes: bad pid or bytes");
            return -1;
        }
        d->process_pids[n] = (unsigned int)pid;
        d->process_memory[n] = bytes;
        n++;
    }
    d->process_count = n;
    return 0;
}

static int set_string(char *dst, size_t capacity, const char *value, char *err, size_t err_len)
{
    if (strlen(value) >= capacity) {
        snprintf(err, err_len, "value longer than %zu characters", capacity - 1);
        return -1;
    }
    snprintf(dst, capacity, "%s", value);
    return 0;
}

static int set_device_key(fake_device *d, const char *key, char *value, char *err, size_t err_len)
{
    unsigned long long u;
    double x;
    if (strcmp(key, "name") == 0)
        return set_string(d->name, sizeof(d->name), value, err, err_len);
    if (strcmp(key, "uuid") == 0)
        return set_string(d->uuid, sizeof(d->uuid), value, err, err_len);
    if (strcmp(key, "trace") == 0)
        return parse_trace(value, d, err, err_len);
    if (strcmp(key, "processes") == 0)
        return parse_processes(value, d, err, err_len);
    if (strcmp(key, "energy") == 0) {
        if (strcmp(value, "unsupported") != 0 && strcmp(value, "supported") != 0 && strcmp(value, "no_permission") != 0)
            goto bad;
        d->energy_unsupported = strcmp(value, "unsupported") == 0;
        d->energy_no_permission = strcmp(value, "no_permission") == 0;
        return 0;
    }
    if (strcmp(key, "clocks") == 0) {
        if (strcmp(value, "supported") == 0) d->clocks_unsupported = 0;
        else if (strcmp(value, "unsupported") == 0) d->clocks_unsupported = 1;
        else if (strcmp(value, "max_unsupported") == 0) d->clocks_unsupported = 2;
        else goto bad;
        return 0;
    }
    if (strcmp(key, "power_w") == 0 && parse_double(value, 0, 1e6, &x) == 0) {
        d->trace[0].start_ns = 0;
        d->trace[0].power_mw = (uint64_t)llround(x * 1000.0);
        d->trace_len = 1;
        return 0;
    }
    if (strcmp(key, "power_limit_w") == 0 && parse_double(value, 0, 1e6, &x) == 0) {
        d->power_limit_mw = (unsigned int)llround(x * 1000.0);
        return 0;
    }
    if (strcmp(key, "period_s") == 0 && parse_double(value, 1e-3, 1e6, &x) == 0) {
        d->period_ns = llround(x * 1e9);
        return 0;
    }
    if (strcmp(key, "lost_after_calls") == 0 && parse_ull(value, 1ULL << 62, &u) == 0) {
        d->lost_after_calls = (long long)u;
        return 0;
    }
    if (parse_ull(value, ~0ULL, &u) != 0)
        goto bad;
    if (strcmp(key, "arch") == 0 && u <= 0xffffffffULL) d->arch = (unsigned int)u;
    else if (strcmp(key, "utilization") == 0 && u <= 100) d->utilization_gpu = (unsigned int)u;
    else if (strcmp(key, "memory_utilization") == 0 && u <= 100) d->utilization_memory = (unsigned int)u;
    else if (strcmp(key, "memory_total") == 0) d->memory_total = u;
    else if (strcmp(key, "memory_used") == 0) d->memory_used = u;
    else if (strcmp(key, "memory_reserved") == 0) d->memory_reserved = u;
    else if (strcmp(key, "temperature") == 0 && u <= 200) d->temperature_c = (unsigned int)u;
    else if (strcmp(key, "no_permission") == 0 && u <= 1) d->no_permission = (int)u;
    else if (strcmp(key, "sm_clock") == 0 && u <= 100000) d->sm_clock_mhz = (unsigned int)u;
    else if (strcmp(key, "mem_clock") == 0 && u <= 100000) d->mem_clock_mhz = (unsigned int)u;
    else if (strcmp(key, "graphics_clock") == 0 && u <= 100000) { d->graphics_clock_mhz = (unsigned int)u; d->graphics_clock_set = 1; }
    else if (strcmp(key, "sm_clock_max") == 0 && u <= 100000) d->sm_clock_max_mhz = (unsigned int)u;
    else if (strcmp(key, "mem_clock_max") == 0 && u <= 100000) d->mem_clock_max_mhz = (unsigned int)u;
    else if (strcmp(key, "graphics_clock_max") == 0 && u <= 100000) { d->graphics_clock_max_mhz = (unsigned int)u; d->graphics_clock_max_set = 1; }
    else if (strcmp(key, "mig") == 0 && u <= 1) d->mig_enabled = (int)u;
    else if (strcmp(key, "mig_devices") == 0 && u <= FAKE_MAX_MIG) d->mig_devices = (int)u;
    else goto bad;
    return 0;
bad:
    snprintf(err, err_len, "bad key or value for device.%s: '%s'", key, value);
    return -1;
}

static int set_key(fake_config *c, const char *key, char *value, int *max_device, char *err, size_t err_len)
{
    unsigned long long u;
    if (strncmp(key, "device", 6) == 0 && isdigit((unsigned char)key[6])) {
        char *dot = NULL;
        long index = strtol(key + 6, &dot, 10);
        if (*dot != '.' || index < 0 || index >= FAKE_MAX_DEVICES) {
            snprintf(err, err_len, "bad device key '%s' (devices 0..%d)", key, FAKE_MAX_DEVICES - 1);
            return -1;
        }
        if (index > *max_device)
            *max_device = (int)index;
        return set_device_key(&c->devices[index], dot + 1, value, err, err_len);
    }
    if (strcmp(key, "driver_version") == 0)
        return set_string(c->driver_version, sizeof(c->driver_version), value, err, err_len);
    if (strcmp(key, "nvml_version") == 0)
        return set_string(c->nvml_version, sizeof(c->nvml_version), value, err, err_len);
    if (strcmp(key, "time_s") == 0) {
        double t;
        if (parse_double(value, 0, 1e9, &t) == 0) {
            c->time_s = t;
            return 0;
        }
    }
    if (parse_ull(value, 1ULL << 40, &u) == 0) {
        if (strcmp(key, "devices") == 0 && u <= FAKE_MAX_DEVICES) {
            c->device_count = (int)u;
            return 0;
        }
        if (strcmp(key, "energy_update_ms") == 0) {
            c->energy_update_ns = (int64_t)u * 1000000LL;
            return 0;
        }
        if (strcmp(key, "proc_stride") == 0 && (u == 24 || u == 32)) {
            c->process_stride = (int)u;
            return 0;
        }
        if (strcmp(key, "init_error") == 0 && u <= 999) {
            c->init_error = (int)u;
            return 0;
        }
    }
    snprintf(err, err_len, "unknown key or bad value: '%s=%s'", key, value);
    return -1;
}

int fake_config_parse(const char *text, fake_config *config, char *err, size_t err_len)
{
    char *copy = strdup(text);
    if (copy == NULL) {
        snprintf(err, err_len, "out of memory");
        return 1;
    }
    int line_no = 0, bad_line = 0, max_device = -1, max_device_line = 0;
    char *save = NULL;
    /* strtok_r would merge empty lines and shift line numbers, so split by hand. */
    for (char *line = copy; line != NULL && bad_line == 0; line = save) {
        char *nl = strchr(line, '\n');
        save = nl != NULL ? nl + 1 : NULL;
        if (nl != NULL)
            *nl = '\0';
        line_no++;
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        char *content = trim(line);
        if (*content == '\0')
            continue;
        char *eq = strchr(content, '=');
        if (eq == NULL) {
            snprintf(err, err_len, "expected key=value");
            bad_line = line_no;
            break;
        }
        *eq = '\0';
        int before = max_device;
        if (set_key(config, trim(content), trim(eq + 1), &max_device, err, err_len) != 0)
            bad_line = line_no;
        else if (max_device != before)
            max_device_line = line_no;
    }
    free(copy);
    if (bad_line == 0 && max_device >= config->device_count) {
        snprintf(err, err_len, "device%d configured but devices=%d", max_device, config->device_count);
        bad_line = max_device_line;
    }
    return bad_line;
}

/* Index of the trace segment active at offset (0 <= offset < period). */
static int segment_at(const fake_device *d, int64_t offset)
{
    int i = 0;
    while (i + 1 < d->trace_len && d->trace[i + 1].start_ns <= offset)
        i++;
    return i;
}

uint64_t fake_power_mw(const fake_device *d, int64_t t_ns)
{
    if (t_ns < 0)
        t_ns = 0;
    return d->trace[segment_at(d, t_ns % d->period_ns)].power_mw;
}

/* Integral over [0, offset] inside one period; offset <= period. Points past the period are ignored. */
static fake_u128 partial_period(const fake_device *d, int64_t offset)
{
    fake_u128 sum = 0;
    for (int i = 0; i < d->trace_len && d->trace[i].start_ns < offset; i++) {
        int64_t end = i + 1 < d->trace_len ? d->trace[i + 1].start_ns : d->period_ns;
        if (end > offset)
            end = offset;
        sum += (fake_u128)d->trace[i].power_mw * (fake_u128)(end - d->trace[i].start_ns);
    }
    return sum;
}

fake_u128 fake_energy_mw_ns(const fake_device *d, int64_t t_ns)
{
    if (t_ns <= 0)
        return 0;
    int64_t periods = t_ns / d->period_ns;
    return (fake_u128)periods * partial_period(d, d->period_ns) + partial_period(d, t_ns % d->period_ns);
}
