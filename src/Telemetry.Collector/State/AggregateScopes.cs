using System.Collections.Concurrent;
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

    /// <summary>Adds an increment; returns true if part of it was too old for some window.</summary>
    public bool Add(ScopeKind kind, string name, long fromMs, long toMs, in Accumulation value)
    {
        var scope = Acquire(kind, name);
        try
        {
            return scope.Windows.Add(fromMs, toMs, value);
        }
        finally
        {
            scope.Sync.Exit();
        }
    }

    public void AddHistogram(ScopeKind kind, string name, long fromMs, long toMs, HistogramIncrement h)
    {
        var scope = Acquire(kind, name);
        try
        {
            scope.Windows.AddHistogram(h.Metric, fromMs, toMs, h.Bounds, h.Counts, h.Sum);
        }
        finally
        {
            scope.Sync.Exit();
        }
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
