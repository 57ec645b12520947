/*
 * Control file of the fake NVML, for tests that drive another process (reference gpu-energy.md 1.8:
 * "an optional small state file re-read on each call"). FAKE_NVML_CONTROL names a file of key=value
 * lines, re-read whenever its modification time or size changes:
 *   lost=0,1     devices that answer NVML_ERROR_GPU_IS_LOST until listed no more (empty: none)
 *   reload=N     a driver reload each time N grows: every device's energy counter restarts from 0
 *                just after that device's next energy read, so the test knows exactly what the old
 *                counter held. (A real reload also loses the energy between the last read and the
 *                reload; that tail cannot be measured by anyone and is documented as a limit.)
 * A missing file means "no faults"; a bad line is reported on stderr once and the file ignored.
 */
#define _POSIX_C_SOURCE 200809L
#include "fake_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct timespec g_control_mtime;
static off_t g_control_size = -1;
static unsigned long g_reload_generation;

static int apply_lost(char *value, int lost[FAKE_MAX_DEVICES])
{
    char *save = NULL;
    for (char *item = strtok_r(value, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        char *end = NULL;
        long index = strtol(item, &end, 10);
        while (*end == ' ')
            end++;
        if (end == item || *end != '\0' || index < 0 || index >= FAKE_MAX_DEVICES)
            return -1;
        lost[index] = 1;
    }
    return 0;
}

/* Parses the whole file first, so a half-written or bad file changes nothing. */
static void apply_control(const char *path, char *text)
{
    int lost[FAKE_MAX_DEVICES] = {0};
    unsigned long reload = g_reload_generation;
    int line_no = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        line_no++;
        char *eq = strchr(line, '=');
        if (line[0] == '#' || line[strspn(line, " \t\r")] == '\0')
            continue;
        if (eq == NULL)
            goto bad;
        *eq = '\0';
        char *value = eq + 1;
        value[strcspn(value, "\r")] = '\0';
        if (strcmp(line, "lost") == 0) {
            if (apply_lost(value, lost) != 0)
                goto bad;
        } else if (strcmp(line, "reload") == 0) {
            char *end = NULL;
            reload = strtoul(value, &end, 10);
            if (end == value || *end != '\0')
                goto bad;
        } else {
            goto bad;
        }
    }
    for (int i = 0; i < FAKE_MAX_DEVICES; i++)
        g_config.devices[i].forced_lost = lost[i];
    if (reload > g_reload_generation) {
        for (int i = 0; i < FAKE_MAX_DEVICES; i++)
            g_config.devices[i].reload_pending = 1;
    }
    g_reload_generation = reload;
    return;
bad:
    fprintf(stderr, "fake-nvml: %s:%d: expected lost=i,j or reload=N; file ignored\n", path, line_no);
}

void control_poll_locked(void)
{
    const char *path = getenv("FAKE_NVML_CONTROL");
    struct stat st;
    if (path == NULL || *path == '\0' || stat(path, &st) != 0)
        return;
    if (st.st_size == g_control_size && st.st_mtim.tv_sec == g_control_mtime.tv_sec && st.st_mtim.tv_nsec == g_control_mtime.tv_nsec)
        return;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return;
    char text[4096];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    g_control_mtime = st.st_mtim;
    g_control_size = st.st_size;
    apply_control(path, text);
}
