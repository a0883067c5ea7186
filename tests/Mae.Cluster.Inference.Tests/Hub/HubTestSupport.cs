using System.Net;
using System.Net.Sockets;
using Mae.Cluster.Inference.Hub;

namespace Mae.Cluster.Inference.Tests.Hub;

/// <summary>Records progress reports synchronously, in order (Progress&lt;T&gt; would post them asynchronously).</summary>
internal sealed class ProgressRecorder : IProgress<HubDownloadProgress>
{
    public List<HubDownloadProgress> Reports { get; } = [];

    public void Report(HubDownloadProgress value)
    {
        lock (Reports)
        {
            Reports.Add(value);
        }
    }
}

/// <summary>A loopback port that is bound but not listening, so connecting to it is refused at once.</summary>
internal sealed class ClosedPort : IDisposable
{
    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosedPort()
    {
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)socket.LocalEndPoint!).Port}");
    }

    public Uri Endpoint { get; }

    public void Dispose() => socket.Dispose();
}

internal static class HubTestOptions
{
    /// <summary>Options for tests: the given endpoint, a temp cache, no waiting between retries.</summary>
    public static HubOptions For(Uri endpoint, string cacheRoot, string? token = null) => new()
    {
        Endpoint = endpoint,
        Token = token,
        CacheRoot = cacheRoot,
        MaxAttempts = 3,
        InitialRetryDelay = TimeSpan.Zero,
        MaxRetryDelay = TimeSpan.Zero,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        ResponseTimeout = TimeSpan.FromSeconds(10),
        ReadTimeout = TimeSpan.FromSeconds(10),
    };
}
