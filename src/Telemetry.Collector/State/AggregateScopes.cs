using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Telemetry.Collector.Configuration;
using Telemetry.Collector.Windows;
using Telemetry.Exposition;

namespace Telemetry.Collector.State;

/// <summary>One fleet-wide scope (a site, pool, model, GPU model, tier, or the fleet) and its windows.</summary>
internal sealed class AggregateScope(ScopeKind kind, string name, IReadOnlyList<WindowDuration> windows)
{
    public Lock Sync { get; } = new();
    public ScopeKind Kind { get; } = kind;

    /// <summary>The scope's own label value (site name, model name, ...); empty for the fleet.</summary>
    public string Name { get; } = name;

    public ScopeWindows Windows { get; } = new(windows);

    /// <summary>The scope's KPI labels as written on /metrics: <c>scope</c>, then its own label (none for the fleet).</summary>
    public LabelSet KpiLabels { get; } = kind == ScopeKind.Fleet
        ? LabelSet.Of(new Label("scope", ScopeKinds.LabelOf(kind)))
        : LabelSet.Of(new Label("scope", ScopeKinds.LabelOf(kind)), new Label(ScopeKinds.LabelOf(kind), name));

    /// <summary>The scope's labels as the JSON API lists them (none for the fleet).</summary>
    public KeyValuePair<string, string>[] ScopeLabels { get; } = kind == ScopeKind.Fleet ? [] : [new(ScopeKinds.LabelOf(kind), name)];

    /// <summary>Set (under <see cref="Sync"/>) when the scope is forgotten; writers then use a fresh one.</summary>
    public bool Removed { get; set; }
}

/// <summary>
/// The fleet-wide scopes, created on first use. Each has its own lock, taken after (never while
/// holding) a node's lock, so nodes apply in parallel and only meet briefly here.
/// </summary>
internal sealed class AggregateScopes(IReadOnlyList<WindowDuration> windows)
{
    private readonly ConcurrentDictionary<(ScopeKind, string), AggregateScope> _scopes = new();

    public ICollection<AggregateScope> All => _scopes.Values;

    /// <summary>
    /// Adds the fleet-wide increments among <paramref name="increments"/> (node and server ones are the node's),
    /// in order; returns how many were partly too old for some window. Consecutive increments of one scope are
    /// added under one taking of its lock: a report has dozens for a handful of scopes, and finding and locking
    /// a scope for each was a tenth of the cost of applying it.
    /// </summary>
    public int Add(List<ScopeIncrement> increments)
    {
        var held = default(AggregateScope);
        var late = 0;
        try
        {
            foreach (ref readonly var a in CollectionsMarshal.AsSpan(increments))
            {
                if (a.Kind is not (ScopeKind.Node or ScopeKind.Server))
                {
                    var scope = Hold(ref held, a.Kind, a.Name);
                    late += scope.Windows.Add(a.FromMs, a.ToMs, a.Value) ? 1 : 0;
                }
            }
        }
        finally
        {
            held?.Sync.Exit();
        }

        return late;
    }

    /// <summary>Adds the fleet-wide latency observations among <paramref name="increments"/>, like <see cref="Add"/>.</summary>
    public void AddHistograms(List<ScopeHistogramIncrement> increments)
    {
        var held = default(AggregateScope);
        try
        {
            foreach (ref readonly var i in CollectionsMarshal.AsSpan(increments))
            {
                if (i.Kind is not (ScopeKind.Node or ScopeKind.Server))
                {
                    var scope = Hold(ref held, i.Kind, i.Name);
                    var h = i.Histogram;
                    scope.Windows.AddHistogram(h.Metric, i.FromMs, i.ToMs, h.Bounds, h.Counts, h.Sum);
                }
            }
        }
        finally
        {
            held?.Sync.Exit();
        }
    }

    /// <summary>The scope (kind, name) with its lock held, also in <paramref name="held"/>: the one held already when it is that scope, else the other's lock is let go first.</summary>
    private AggregateScope Hold(ref AggregateScope? held, ScopeKind kind, string name)
    {
        if (held is not null)
        {
            if (held.Kind == kind && string.Equals(held.Name, name, StringComparison.Ordinal))
            {
                return held;
            }

            held.Sync.Exit(); // one scope lock at a time: never two, so no order between them to keep
            held = null;
        }

        return held = Acquire(kind, name);
    }

    /// <summary>Forgets an idle scope; call under its lock.</summary>
    public void Remove(AggregateScope scope)
    {
        scope.Removed = true;
        _scopes.TryRemove((scope.Kind, scope.Name), out _);
    }

    /// <summary>The scope with its lock held — never one being forgotten at that moment. The caller exits the lock.</summary>
    private AggregateScope Acquire(ScopeKind kind, string name)
    {
        while (true)
        {
            var scope = _scopes.GetOrAdd((kind, name), static (k, w) => new AggregateScope(k.Item1, k.Item2, w), windows);
            scope.Sync.Enter();
            if (!scope.Removed)
            {
                return scope;
            }

            scope.Sync.Exit();
        }
    }
}
