using Telemetry.Nvml.Interop;

namespace Telemetry.Nvml;

/// <summary>Power from NVML field values: 185 (1-s average) and 186 (instantaneous), NVML 12.2+ drivers.</summary>
public sealed unsafe partial class NvmlDevice
{
    /// <summary>
    /// <c>NVML_FI_DEV_POWER_AVERAGE</c> (185) and <c>NVML_FI_DEV_POWER_INSTANT</c> (186) for the GPU power
    /// scope, in watts. Each is null where the driver does not populate it (drivers before 12.2, or the
    /// field unsupported); the status is the call's own (SUCCESS means "some populated").
    /// </summary>
    public NvmlResult<NvmlPowerFields> ReadPowerFields()
    {
        if (_library.IsDisposed)
        {
            return new(default, NvmlReturn.Uninitialized);
        }

        var values = stackalloc NvmlFieldValue[2];
        values[0] = new NvmlFieldValue { FieldId = NvmlFieldValue.PowerAverage };
        values[1] = new NvmlFieldValue { FieldId = NvmlFieldValue.PowerInstant };
        try
        {
            var status = (NvmlReturn)NvmlNative.DeviceGetFieldValues(_handle, 2, values);
            if (status != NvmlReturn.Success)
            {
                return new(default, status);
            }

            return new(new NvmlPowerFields(Watts(values[0]), Watts(values[1])), status);
        }
        catch (EntryPointNotFoundException)
        {
            return new(default, NvmlReturn.FunctionNotFound);
        }
    }

    /// <summary>Power IDs carry mW as valueType 1 (unsigned int); anything else is not trusted.</summary>
    private static double? Watts(in NvmlFieldValue v) =>
        v.NvmlReturn == 0 && v.ValueType == NvmlFieldValue.ValueTypeUnsignedInt ? v.UInt / MilliPerUnit : null;
}

/// <summary>Field-value power of one GPU in watts; null where the driver did not populate the field.</summary>
public readonly record struct NvmlPowerFields(double? AverageWatts, double? InstantWatts);
