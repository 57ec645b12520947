using System.Diagnostics;
using System.Text;

namespace Telemetry.EndToEnd.Tests;

/// <summary>
/// A real agent or collector process started from its build output with environment-only
/// configuration (as outside checks start them). Output is captured for failure messages; the
/// process tree is killed by PID on dispose.
/// </summary>
internal sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HostProcess(Process process)
    {
        _process = process;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The process id (the host runs in the <c>dotnet</c> process itself).</summary>
    public int Id => _process.Id;

    /// <summary>Freezes the process (SIGSTOP) as a hung or partitioned host would be: its sockets stay open, nothing answers.</summary>
    public void Suspend() => Signal("STOP");

    /// <summary>Lets a suspended process run again (SIGCONT), with all its state.</summary>
    public void Resume() => Signal("CONT");

    private void Signal(string name)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + name, Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        if (!kill.WaitForExit(10_000) || kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{name} {Id} failed");
        }
    }

    /// <summary>Sends SIGTERM (as systemd and kubernetes stop a service) and waits for a clean exit; returns the exit code, or null on timeout.</summary>
    public int? Terminate(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit(10_000);
        }

        return WaitForExit(timeout);
    }

    public static HostProcess Start(string hostProject, string assemblyName, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var dll = Path.Combine(RepoPaths.HostOutput(hostProject), assemblyName + ".dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"host not built: {dll} (run dotnet build Telemetry.sln)");
        }

        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        // Start from a clean slate: no inherited Agent__/Collector__ settings leak into the test.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("Agent__", StringComparison.Ordinal) || k.StartsWith("Collector__", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (k, v) in environment)
        {
            info.Environment[k] = v;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + dll);
        var host = new HostProcess(process);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Waits for the process to exit on its own; returns its exit code, or null on timeout.</summary>
    public int? WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return null;
        }

        _process.WaitForExit(); // after exit, waits only for the redirected output to be drained into Output
        return _process.ExitCode;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }
}
