namespace Telemetry.Collector.State;

/// <summary>
/// The last applied sequence of a node's few previous agent instances. An agent with a disk spool
/// replays reports of the instance that ran before a restart — after a crash possibly some that were
/// already applied, and possibly after the new instance's own reports reached this collector. Remembering
/// only the current instance would take such a replay for new data and count it twice. Bounded: the
/// oldest instance is forgotten first (a node does not restart <see cref="Capacity"/> times within one
/// spool replay). Guarded by the node's lock.
/// </summary>
internal sealed class InstanceHistory
{
    /// <summary>Instances remembered per node besides the current one.</summary>
    public const int Capacity = 8;

    private readonly List<(string Instance, ulong LastSequence)> _instances = new(Capacity);

    /// <summary>True if <paramref name="instance"/> is a remembered previous instance and <paramref name="sequence"/> was applied.</summary>
    public bool AlreadyApplied(string instance, ulong sequence)
    {
        foreach (var (i, last) in _instances)
        {
            if (i == instance)
            {
                return sequence <= last;
            }
        }

        return false;
    }

    /// <summary>Records where <paramref name="instance"/> stopped, as the node switches to another instance.</summary>
    public void Remember(string instance, ulong lastSequence)
    {
        if (instance.Length == 0)
        {
            return;
        }

        var at = _instances.FindIndex(x => x.Instance == instance);
        if (at >= 0)
        {
            _instances.RemoveAt(at);
        }
        else if (_instances.Count == Capacity)
        {
            _instances.RemoveAt(0);
        }

        _instances.Add((instance, lastSequence));
    }

    /// <summary>The last applied sequence of a remembered instance that reports again (its history now current), or 0.</summary>
    public ulong Resume(string instance)
    {
        var at = _instances.FindIndex(x => x.Instance == instance);
        if (at < 0)
        {
            return 0;
        }

        var last = _instances[at].LastSequence;
        _instances.RemoveAt(at);
        return last;
    }
}
