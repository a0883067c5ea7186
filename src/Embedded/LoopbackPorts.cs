using System.Net;
using System.Net.Sockets;

namespace Mae.Cluster.Embedded;

/// <summary>Free TCP ports on 127.0.0.1 for in-process silos (mae run, benchmarks), so they never collide with a running cluster.</summary>
public static class LoopbackPorts
{
    /// <summary>A port the system just handed out and released; free unless something grabs it in the meantime.</summary>
    public static int Free() => Free(1)[0];

    /// <summary><paramref name="count"/> distinct free ports: all are held open together while the system picks them.</summary>
    public static int[] Free(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var listener in listeners)
            {
                listener.Start();
            }
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }
}
