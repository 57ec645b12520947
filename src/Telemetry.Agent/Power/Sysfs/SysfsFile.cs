using System.Globalization;

namespace Telemetry.Agent.Power.Sysfs;

/// <summary>
/// Reads one-number sysfs attributes (hwmon, powercap, drm). Failures come back as plain words, never as
/// exceptions: a sensor that disappears or is root-only must not stop the agent.
/// </summary>
internal static class SysfsFile
{
    /// <summary>sysfs attributes are one short line; anything longer is not the file we expect.</summary>
    private const int MaxAttributeBytes = 4096;

    /// <summary>Parses an unsigned integer attribute (µW, µJ, m°C, bytes, percent).</summary>
    public static bool TryReadUInt64(string path, out ulong value, out string? error)
    {
        value = 0;
        if (!TryReadText(path, out var text, out error))
        {
            return false;
        }

        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            error = $"{path}: '{Truncate(text)}' is not an unsigned integer";
            return false;
        }

        return true;
    }

    /// <summary>Parses a decimal attribute (generic hwmon sensors may print fractions) times <paramref name="scale"/>.</summary>
    public static double? ReadScaled(string path, double scale) =>
        TryReadText(path, out var text, out _) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v * scale
            : null;

    public static bool TryReadText(string path, out string text, out string? error)
    {
        text = "";
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > MaxAttributeBytes)
            {
                error = $"{path}: {info.Length} bytes is not a sysfs attribute";
                return false;
            }

            text = File.ReadAllText(path).Trim();
            error = null;
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            error = $"{path}: permission denied";
            return false;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            error = $"{path}: does not exist";
            return false;
        }
        catch (IOException ex)
        {
            error = $"{path}: {ex.Message}";
            return false;
        }
    }

    public static string? ReadTextOrNull(string path) => TryReadText(path, out var text, out _) && text.Length > 0 ? text : null;

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
