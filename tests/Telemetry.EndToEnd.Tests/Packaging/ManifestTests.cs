using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Telemetry.EndToEnd.Tests.Packaging;

/// <summary>
/// deploy/: the Kubernetes manifests parse as YAML (a real parser) and say what docs/install-kubernetes.md promises —
/// least privilege, resource limits, probes on the collector's health endpoints, selectors that select, hostPID only
/// with process attribution, configuration keys that exist; the systemd units pass <c>systemd-analyze verify</c> and
/// its offline security score; the Dockerfiles build what the publish tests run.
/// </summary>
public sealed partial class ManifestTests
{
    private const string Namespace = "inference-telemetry";
    private static readonly string Kubernetes = Path.Combine(RepoPaths.Root, "deploy", "kubernetes");

    private static List<(string File, JsonElement Doc)> All() =>
        YamlDocuments.Load(Directory.GetFiles(Kubernetes, "*.yaml").Order(StringComparer.Ordinal));

    private static JsonElement Kind(string kind, string name) =>
        All().Single(d => Str(d.Doc, "kind") == kind && Str(d.Doc.GetProperty("metadata"), "name") == name).Doc;

    [Fact]
    public void Every_manifest_is_a_named_kubernetes_object_in_the_namespace()
    {
        var docs = All();
        Assert.True(docs.Count >= 10, $"only {docs.Count} documents");
        foreach (var (file, doc) in docs.Where(d => !d.File.EndsWith("-patch.yaml", StringComparison.Ordinal)))
        {
            Assert.False(string.IsNullOrEmpty(Str(doc, "apiVersion")), file + ": no apiVersion");
            var kind = Str(doc, "kind");
            Assert.False(string.IsNullOrEmpty(kind), file + ": no kind");
            if (kind == "Kustomization")
            {
                continue;
            }

            var metadata = doc.GetProperty("metadata");
            Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", Str(metadata, "name"));
            if (kind != "Namespace")
            {
                Assert.True(Str(metadata, "namespace") == Namespace, $"{file}: {kind} not in namespace {Namespace}");
            }
        }
    }

    [Fact]
    public void The_kustomization_lists_every_manifest_except_the_optional_patch()
    {
        var kustomization = All().Single(d => Str(d.Doc, "kind") == "Kustomization").Doc;
        var listed = kustomization.GetProperty("resources").EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal);
        var files = Directory.GetFiles(Kubernetes, "*.yaml").Select(Path.GetFileName)
            .Where(f => f is not "kustomization.yaml" and not "agent-hostpid-patch.yaml").Order(StringComparer.Ordinal);
        Assert.Equal(files, listed);
    }

    [Fact]
    public void The_agent_daemonset_runs_unprivileged_on_gpu_nodes_with_limits_and_no_host_pids()
    {
        var spec = Kind("DaemonSet", "telemetry-agent").GetProperty("spec").GetProperty("template").GetProperty("spec");
        Assert.False(spec.GetProperty("hostPID").GetBoolean());
        Assert.False(spec.TryGetProperty("hostNetwork", out _));
        Assert.False(spec.GetProperty("automountServiceAccountToken").GetBoolean());
        Assert.Equal("true", Str(spec.GetProperty("nodeSelector"), "nvidia.com/gpu.present"));
        Assert.True(spec.GetProperty("securityContext").GetProperty("runAsNonRoot").GetBoolean());
        var container = Assert.Single(spec.GetProperty("containers").EnumerateArray());
        AssertLockedDown(container);
        var env = Env(container);
        Assert.Equal("", env["Agent__Discovery__ProcRoot"]); // discovery off without hostPID
        Assert.Equal("spec.nodeName", container.GetProperty("env").EnumerateArray().Single(e => Str(e, "name") == "Agent__Node")
            .GetProperty("valueFrom").GetProperty("fieldRef").GetProperty("fieldPath").GetString());
        Assert.Equal("http://telemetry-collector.inference-telemetry.svc:9464", env["Agent__Collector__Url"]);
        // A GPU is read, not allocated: requesting nvidia.com/gpu would take it away from inference.
        Assert.DoesNotContain("nvidia.com/gpu", container.GetProperty("resources").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Host_pids_come_only_together_with_process_attribution()
    {
        var patch = YamlDocuments.Load([Path.Combine(Kubernetes, "agent-hostpid-patch.yaml")]).Single().Doc;
        var spec = patch.GetProperty("spec").GetProperty("template").GetProperty("spec");
        Assert.True(spec.GetProperty("hostPID").GetBoolean());
        Assert.True(spec.GetProperty("hostNetwork").GetBoolean()); // the servers' sockets are in the node's /proc/net/tcp
        var container = Assert.Single(spec.GetProperty("containers").EnumerateArray());
        Assert.Equal("agent", Str(container, "name")); // merges into the DaemonSet's container by name
        Assert.Equal("/proc", Env(container)["Agent__Discovery__ProcRoot"]);
        Assert.Equal(["SYS_PTRACE"], container.GetProperty("securityContext").GetProperty("capabilities").GetProperty("add").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public void The_collector_is_probed_on_its_health_endpoints_and_its_service_and_monitors_select_it()
    {
        var deployment = Kind("Deployment", "telemetry-collector");
        var template = deployment.GetProperty("spec").GetProperty("template");
        var podLabels = template.GetProperty("metadata").GetProperty("labels");
        var container = Assert.Single(template.GetProperty("spec").GetProperty("containers").EnumerateArray());
        AssertLockedDown(container);
        Assert.Equal("/healthz", container.GetProperty("livenessProbe").GetProperty("httpGet").GetProperty("path").GetString());
        Assert.Equal("/readyz", container.GetProperty("readinessProbe").GetProperty("httpGet").GetProperty("path").GetString());
        var port = Assert.Single(container.GetProperty("ports").EnumerateArray());
        Assert.Equal(9464, port.GetProperty("containerPort").GetInt32());
        Assert.Equal($"http://0.0.0.0:9464", Env(container)["Collector__Listen"]);
        AssertSelects(deployment.GetProperty("spec").GetProperty("selector").GetProperty("matchLabels"), podLabels);

        var service = Kind("Service", "telemetry-collector");
        AssertSelects(service.GetProperty("spec").GetProperty("selector"), podLabels);
        var servicePort = Assert.Single(service.GetProperty("spec").GetProperty("ports").EnumerateArray());
        Assert.Equal(Str(port, "name"), Str(servicePort, "targetPort"));

        var serviceMonitor = Kind("ServiceMonitor", "telemetry-collector").GetProperty("spec");
        AssertSelects(serviceMonitor.GetProperty("selector").GetProperty("matchLabels"), service.GetProperty("metadata").GetProperty("labels"));
        var endpoint = Assert.Single(serviceMonitor.GetProperty("endpoints").EnumerateArray());
        Assert.Equal((Str(servicePort, "name"), "/metrics"), (Str(endpoint, "port"), Str(endpoint, "path")));

        var podMonitor = Kind("PodMonitor", "telemetry-collector-pods").GetProperty("spec");
        AssertSelects(podMonitor.GetProperty("selector").GetProperty("matchLabels"), podLabels);
        Assert.Equal(Str(port, "name"), Str(Assert.Single(podMonitor.GetProperty("podMetricsEndpoints").EnumerateArray()), "port"));
    }

    [Fact]
    public void Service_accounts_and_secrets_the_workloads_name_exist_and_no_role_grants_anything()
    {
        var docs = All();
        Assert.DoesNotContain(docs, d => Str(d.Doc, "kind") is "ClusterRole" or "ClusterRoleBinding" or "Role" or "RoleBinding");
        foreach (var (kind, name) in new[] { ("DaemonSet", "telemetry-agent"), ("Deployment", "telemetry-collector") })
        {
            var spec = Kind(kind, name).GetProperty("spec").GetProperty("template").GetProperty("spec");
            var account = Kind("ServiceAccount", Str(spec, "serviceAccountName")!);
            Assert.False(account.GetProperty("automountServiceAccountToken").GetBoolean());
            foreach (var secret in Regex.Matches(spec.GetRawText(), "\"secretKeyRef\":\\s*\\{\\s*\"name\":\\s*\"([^\"]+)\",\\s*\"key\":\\s*\"([^\"]+)\"").Select(m => (m.Groups[1].Value, m.Groups[2].Value)))
            {
                Assert.True(Kind("Secret", secret.Item1).GetProperty("stringData").TryGetProperty(secret.Item2, out _), $"secret {secret} missing");
            }
        }
    }

    [Fact]
    public void Every_configuration_key_the_manifests_set_is_documented()
    {
        var reference = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "configuration.md"));
        var keys = All().SelectMany(d => EnvNames().Matches(d.Doc.GetRawText()).Select(m => m.Groups[1].Value)).Distinct().ToList();
        Assert.Contains("Agent__Collector__Token", keys);
        foreach (var env in keys)
        {
            // Agent__Servers__0__Url → Agent:Servers:N:Url, the form the reference uses.
            // A trailing index is a list element: Collector__Auth__Tokens__0__Nodes__0 → Collector:Auth:Tokens:N:Nodes.
            var key = Regex.Replace(Regex.Replace(env, "__[0-9]+$", ""), "__[0-9]+(?=__)", ":N").Replace("__", ":", StringComparison.Ordinal);
            Assert.True(reference.Contains('`' + key + '`', StringComparison.Ordinal), $"{env} ({key}) is not in docs/configuration.md");
        }
    }

    [Theory]
    [InlineData("telemetry-agent.service", "/usr/local/bin/telemetry-agent")]
    [InlineData("telemetry-collector.service", "/opt/inference-telemetry/collector/telemetry-collector")]
    public void Systemd_units_verify_clean_and_score_as_hardened(string unit, string binary)
    {
        var scratch = Directory.CreateTempSubdirectory("units-");
        try
        {
            // verify checks that ExecStart's binary exists; stand in a real executable at the same spot in the file.
            var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "systemd", unit));
            Assert.Contains("ExecStart=" + binary, text, StringComparison.Ordinal);
            Assert.Contains("DynamicUser=yes", text, StringComparison.Ordinal);
            var copy = Path.Combine(scratch.FullName, unit);
            File.WriteAllText(copy, text.Replace(binary, "/bin/true", StringComparison.Ordinal));

            var (code, output) = SystemdAnalyze("verify", copy);
            Assert.True(code == 0 && output.Trim().Length == 0, $"systemd-analyze verify {unit}:\n{output}"); // warnings (unknown keys, bad values) count too

            // Exposure 0 (locked down) .. 10 (unprotected), printed as x.y; --threshold takes it in tenths (0..100).
            var (scoreCode, score) = SystemdAnalyze("security", "--offline=yes", "--threshold=30", copy);
            Assert.True(scoreCode == 0, $"exposure above 3:\n{score}");
            Assert.Matches("Overall exposure level for .*: [0-2]\\.[0-9] OK", score);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("agent.Dockerfile", "mcr.microsoft.com/dotnet/runtime-deps:10.0", "agent/Telemetry.Agent.Host.csproj -c Release -r linux-x64")]
    [InlineData("collector.Dockerfile", "mcr.microsoft.com/dotnet/aspnet:10.0", "collector/Telemetry.Collector.Host.csproj -c Release")]
    public void Dockerfiles_publish_the_host_onto_a_pinned_runtime_image_and_run_unprivileged(string file, string runtimeImage, string publish)
    {
        var lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, "deploy", "docker", file)).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var froms = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", "FROM " + runtimeImage], froms);
        Assert.Contains(lines, l => l.StartsWith("RUN dotnet publish " + publish, StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, publish.Split(' ')[0])), publish);
        var user = lines.Last(l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.Equal("USER app", user);
        Assert.True(lines.IndexOf(user) > lines.IndexOf("FROM " + runtimeImage), "USER must apply to the runtime stage");
        Assert.StartsWith("ENTRYPOINT [", lines.Single(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    private static void AssertLockedDown(JsonElement container)
    {
        var security = container.GetProperty("securityContext");
        Assert.False(security.GetProperty("allowPrivilegeEscalation").GetBoolean());
        Assert.True(security.GetProperty("readOnlyRootFilesystem").GetBoolean());
        Assert.Equal(["ALL"], security.GetProperty("capabilities").GetProperty("drop").EnumerateArray().Select(c => c.GetString()));
        Assert.False(security.TryGetProperty("privileged", out var p) && p.GetBoolean());
        var resources = container.GetProperty("resources");
        foreach (var part in new[] { "requests", "limits" })
        {
            Assert.True(resources.GetProperty(part).TryGetProperty("cpu", out _), $"{Str(container, "name")}: no {part}.cpu");
            Assert.True(resources.GetProperty(part).TryGetProperty("memory", out _), $"{Str(container, "name")}: no {part}.memory");
        }
    }

    private static void AssertSelects(JsonElement selector, JsonElement labels)
    {
        foreach (var p in selector.EnumerateObject())
        {
            Assert.True(labels.TryGetProperty(p.Name, out var v) && v.GetString() == p.Value.GetString(), $"selector {p.Name}={p.Value} does not match {labels}");
        }
    }

    private static Dictionary<string, string> Env(JsonElement container) =>
        container.GetProperty("env").EnumerateArray().Where(e => e.TryGetProperty("value", out _))
            .ToDictionary(e => Str(e, "name")!, e => Str(e, "value")!, StringComparer.Ordinal);

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static (int Code, string Output) SystemdAnalyze(params string[] args)
    {
        const string Tool = "/usr/bin/systemd-analyze";
        Assert.True(File.Exists(Tool), $"{Tool} not found: install it with `apt-get install -y systemd` (.ci/run does)");
        var info = new ProcessStartInfo(Tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["SYSTEMD_COLORS"] = "0";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "systemd-analyze did not finish");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [GeneratedRegex("\"name\":\\s*\"((?:Agent|Collector)__[A-Za-z0-9_]+)\"")]
    private static partial Regex EnvNames();
}
