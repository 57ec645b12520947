using Telemetry.Agent.Configuration;
using Telemetry.Agent.Simulation;
using Telemetry.Scraping.Engines;

namespace Telemetry.Agent.Servers;

/// <summary>
/// The demo engine (<c>Engine = simulated</c>): token counters and latency histograms that follow
/// the same <see cref="SimulatedWorkload"/> as the simulated GPUs, shaped like a vLLM V1 reading
/// (cumulative counters, TTFT / inter-token / e2e / queue histograms with vLLM's bucket bounds).
/// </summary>
public sealed class SimulatedServerSource : IServerSource
{
    // vLLM V1 bucket sets (reference/inference-engines.md §1.3), so the demo exercises real bounds.
    private static readonly double[] TtftBounds = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
    private static readonly double[] TpotBounds = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
    private static readonly double[] LatencyBounds = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];

    private readonly SimulatedWorkload _workload;
    private readonly TimeProvider _time;
    private readonly SimulatedHistogram _ttft = new(TtftBounds);
    private readonly SimulatedHistogram _tpot = new(TpotBounds);
    private readonly SimulatedHistogram _e2e = new(LatencyBounds);
    private readonly SimulatedHistogram _queue = new(LatencyBounds);
    private double _lastT;
    private double _outputTokens;
    private double _requests;

    public SimulatedServerSource(ServerOptions options, SimulatedWorkload workload, TimeProvider time)
    {
        Options = options;
        _workload = workload;
        _time = time;
        _lastT = workload.SecondsSinceStart(time.GetUtcNow());
    }

    public ServerOptions Options { get; }

    public Task<ServerReading> ReadAsync(CancellationToken ct)
    {
        var t = _workload.SecondsSinceStart(_time.GetUtcNow());
        if (t > _lastT)
        {
            var tokens = SimulatedWorkload.Integrate(SimulatedWorkload.OutputTokensPerSecond, _lastT, t);
            var requests = tokens / SimulatedWorkload.OutputTokensPerRequest;
            var load = SimulatedWorkload.Load(t);
            // Latency grows with load, as batches fill and queues form.
            _ttft.Observe(requests, median: 0.04 + (0.5 * load * load));
            _tpot.Observe(requests, median: 0.012 + (0.03 * load));
            _e2e.Observe(requests, median: 1.5 + (6 * load));
            _queue.Observe(requests, median: 0.02 + (1.2 * load * load * load));
            _outputTokens += tokens;
            _requests += requests;
            _lastT = t;
        }

        var stream = new StreamReading
        {
            Model = Options.Model.Length > 0 ? Options.Model : "simulated-llama-3.1-8b",
            InputTokens = Math.Floor(_outputTokens * SimulatedWorkload.InputPerOutputToken),
            OutputTokens = Math.Floor(_outputTokens),
            Requests = new Dictionary<string, double>
            {
                [RequestOutcomes.Success] = Math.Floor(_requests * 0.995),
                [RequestOutcomes.Error] = Math.Floor(_requests * 0.002),
                [RequestOutcomes.Aborted] = Math.Floor(_requests * 0.003),
            },
            Running = Math.Round(64 * SimulatedWorkload.Load(t)),
            Waiting = Math.Round(Math.Max(0, (SimulatedWorkload.Load(t) - 0.8) * 40)),
            KvCacheUsageRatio = Math.Min(1, 0.2 + (0.75 * SimulatedWorkload.Load(t))),
            Histograms = new Dictionary<string, HistogramReading>
            {
                [HistogramNames.Ttft] = _ttft.Reading(),
                [HistogramNames.Tpot] = _tpot.Reading(),
                [HistogramNames.E2e] = _e2e.Reading(),
                [HistogramNames.Queue] = _queue.Reading(),
            },
        };
        return Task.FromResult(new ServerReading(new EngineReading("simulated", "simulated://" + Options.Name, [stream]), null));
    }
}
