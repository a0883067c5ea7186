using System.Net;
using System.Net.Sockets;

namespace Mae.Cluster.Client.Commands;

/// <summary>Free TCP ports on 127.0.0.1 for in-process benchmark silos, so they never collide with a running cluster.</summary>
internal static class LoopbackPorts
{
    /// <summary>A port the system just handed out and released; free unless something grabs it in the meantime.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
