using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Telemetry.Agent.Proxy;

/// <summary>Source-generated JSON metadata: the agent is AOT-compatible, so no reflection-based serialization.</summary>
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class ProxyJsonContext : JsonSerializerContext;
