using System.Diagnostics;
using System.Text.Json;

namespace Telemetry.EndToEnd.Tests.Packaging;

/// <summary>
/// YAML files parsed by a real YAML parser — Debian's PyYAML (<c>python3-yaml</c>) under the system
/// <c>/usr/bin/python3</c>, safe loader, duplicate keys rejected as Kubernetes' strict decoding does — and handed
/// back as JSON documents so the tests can check their structure. .NET has no YAML parser in its framework and the
/// package registry here serves none we may use; a hand-written subset parser would accept what real tools reject.
/// </summary>
internal static class YamlDocuments
{
    private const string Python = "/usr/bin/python3";

    private const string Script = """
        import json, sys, yaml
        class Strict(yaml.SafeLoader):
            pass
        def mapping(loader, node, deep=False):
            keys = set()
            for k, _ in node.value:
                key = loader.construct_object(k, deep=deep)
                if key in keys:
                    raise yaml.constructor.ConstructorError(None, None, "duplicate key %r" % (key,), k.start_mark)
                keys.add(key)
            return yaml.SafeLoader.construct_mapping(loader, node, deep)
        Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
        out = []
        for path in sys.argv[1:]:
            with open(path, encoding="utf-8") as f:
                for doc in yaml.load_all(f, Loader=Strict):
                    if doc is not None:
                        out.append({"file": path, "doc": doc})
        json.dump(out, sys.stdout, default=str)
        """;

    /// <summary>Every non-empty document of the files, in order, each with the file it came from.</summary>
    public static List<(string File, JsonElement Doc)> Load(IEnumerable<string> files)
    {
        Assert.True(File.Exists(Python), $"{Python} not found: install it with `apt-get install -y python3 python3-yaml` (.ci/run does)");
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Script);
        foreach (var f in files)
        {
            info.ArgumentList.Add(f);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "python3 did not finish");
        var error = stderr.Result;
        Assert.False(error.Contains("No module named 'yaml'", StringComparison.Ordinal), "PyYAML missing: install it with `apt-get install -y python3-yaml` (.ci/run does)");
        Assert.True(process.ExitCode == 0, "YAML did not parse:\n" + error);
        using var json = JsonDocument.Parse(stdout.Result);
        return [.. json.RootElement.EnumerateArray().Select(e => (e.GetProperty("file").GetString()!, e.GetProperty("doc").Clone()))];
    }
}
