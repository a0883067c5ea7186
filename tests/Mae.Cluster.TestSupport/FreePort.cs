using System.Net;
using System.Net.Sockets;

namespace Mae.Cluster.TestSupport;

/// <summary>Free TCP ports on 127.0.0.1 for the servers and processes a test starts.</summary>
public static class FreePort
{
    /// <summary>A port the system just handed out and released; free unless something grabs it meanwhile.</summary>
    public static int OnLoopback() => OnLoopback(1)[0];

    /// <summary>
    /// <paramref name="count"/> distinct free ports: all are held open together while the system picks them (one at a
    /// time, a port just released may be handed out again, and two servers of one test would collide).
    /// </summary>
    public static int[] OnLoopback(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var listener in listeners)
            {
                listener.Start();
            }
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
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
