namespace Telemetry.Nvml;

/// <summary>
/// One reading and the NVML status it came with. <see cref="Value"/> is meaningful only when
/// <see cref="IsSuccess"/>; otherwise it is <c>default</c>. Readings report status instead of throwing.
/// </summary>
public readonly record struct NvmlResult<T>(T Value, NvmlReturn Status)
{
    public bool IsSuccess => Status == NvmlReturn.Success;
}
