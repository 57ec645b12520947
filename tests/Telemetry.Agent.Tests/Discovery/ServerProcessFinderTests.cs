using System.Net;
using System.Net.Sockets;
using Telemetry.Agent.Discovery;

namespace Telemetry.Agent.Tests.Discovery;

public sealed class ServerProcessFinderTests
{
    [Fact]
    public void Port_leads_to_the_listening_process_and_its_descendants()
    {
        using var proc = new FakeProc()
            .Socket(8000, inode: 5001)                     // the server
            .Socket(8000, inode: 5002, state: "01")        // a client connection to it, not a listener
            .Socket(9000, inode: 6001)
            .Process(100, parent: 1, comm: "vllm serve (api)", socketInodes: [5001])
            .Process(101, parent: 100, comm: "VLLM::EngineCore")
            .Process(102, parent: 101, comm: "VLLM::Worker_TP0")
            .Process(200, parent: 1, socketInodes: [6001, 5002])
            .Process(201, parent: 200);

        var found = new ServerProcessFinder(proc.Root).Find(8000);

        Assert.Equal([100], found.Listeners);
        Assert.Equal([100, 101, 102], found.Tree.Order());
    }

    [Fact]
    public void Ipv6_listeners_are_found_too()
    {
        using var proc = new FakeProc().Socket(30000, inode: 77, ipv6: true).Process(300, 1, "sglang", 77);
        Assert.Equal([300], new ServerProcessFinder(proc.Root).Find(30000).Listeners);
    }

    [Fact]
    public void A_port_nobody_listens_on_finds_nothing()
    {
        using var proc = new FakeProc().Socket(8000, inode: 5001).Process(100, 1, "x", 5001);
        var found = new ServerProcessFinder(proc.Root).Find(8001);
        Assert.Empty(found.Listeners);
        Assert.Empty(found.Tree);
    }

    [Fact]
    public void A_missing_proc_root_finds_nothing_instead_of_throwing()
    {
        var found = new ServerProcessFinder("/nonexistent/proc").Find(8000);
        Assert.Empty(found.Tree);
    }

    [Fact]
    public void A_parent_cycle_in_a_corrupt_table_ends()
    {
        using var proc = new FakeProc().Socket(8000, 1).Process(10, parent: 11, "a", 1).Process(11, parent: 10, "b");
        Assert.Equal([10, 11], new ServerProcessFinder(proc.Root).Find(8000).Tree.Order());
    }

    [Fact]
    public void Finds_this_test_process_behind_a_real_listening_socket_in_the_real_proc()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var found = new ServerProcessFinder("/proc").Find(port);
            Assert.Contains(Environment.ProcessId, found.Listeners);
            Assert.Contains(Environment.ProcessId, found.Tree);
        }
        finally
        {
            listener.Stop();
        }
    }
}
