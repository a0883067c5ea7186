using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mae.Cluster.TestSupport.Hub;

/// <summary>
/// The wire side of the fake CDN: a bare HTTP/1.1 server on 127.0.0.1, one request per connection.
/// Kestrel is not used here because a body that breaks off must break off exactly: this server sends the
/// announced Content-Length, writes only part of the body and closes gracefully (FIN, no RST), so the client
/// is guaranteed to have every byte written before the break — which makes resume offsets deterministic.
/// </summary>
internal sealed class FakeCdn : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly Func<CdnRequest, CdnResponse> respond;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task acceptLoop;

    public FakeCdn(Func<CdnRequest, CdnResponse> respond)
    {
        this.respond = respond;
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        acceptLoop = AcceptAsync();
    }

    public int Port { get; }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        try
        {
            await acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping interrupts the pending accept; that is how the loop ends.
        }

        stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stopping.Token);
                connections.Add(ServeAsync(client));
            }
        }
        finally
        {
            await Task.WhenAll(connections);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            try
            {
                var request = await ReadRequestAsync(stream);
                var response = respond(request);
                var head = new StringBuilder()
                    .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.Status} {response.Reason}\r\n")
                    .Append(CultureInfo.InvariantCulture, $"Content-Length: {response.Body.Length}\r\n")
                    .Append("Content-Type: application/octet-stream\r\nConnection: close\r\n");
                if (response.ContentRange is not null)
                {
                    head.Append(CultureInfo.InvariantCulture, $"Content-Range: {response.ContentRange}\r\n");
                }

                await stream.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()), stopping.Token);
                var sent = response.BreakOffAfter is { } limit && limit < response.Body.Length ? response.Body[..limit] : response.Body;
                await stream.WriteAsync(sent, stopping.Token);
                client.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // The client went away; nothing to answer.
            }
        }
    }

    private async Task<CdnRequest> ReadRequestAsync(NetworkStream stream)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (!EndsWithBlankLine(received))
        {
            var read = await stream.ReadAsync(buffer, stopping.Token);
            if (read == 0 || received.Count > 65536)
            {
                throw new IOException("request headers incomplete");
            }

            received.AddRange(buffer.AsSpan(0, read));
        }

        var lines = Encoding.ASCII.GetString([.. received]).Split("\r\n");
        var headers = lines.Skip(1).TakeWhile(l => l.Length > 0)
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var target = lines[0].Split(' ')[1];
        return new CdnRequest(
            lines[0].Split(' ')[0],
            headers.GetValueOrDefault("Host", "").Split(':')[0],
            target.Split('?')[0],
            target.Contains('?', StringComparison.Ordinal) ? target.Split('?', 2)[1] : "",
            headers.GetValueOrDefault("Range", ""),
            headers.GetValueOrDefault("Authorization", ""));
    }

    private static bool EndsWithBlankLine(List<byte> bytes) =>
        bytes.Count >= 4 && bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n';
}

internal sealed record CdnRequest(string Method, string Host, string Path, string Query, string Range, string Authorization);

/// <param name="BreakOffAfter">Send only this many body bytes, then close (the headers still announce all of them).</param>
internal sealed record CdnResponse(int Status, string Reason, ReadOnlyMemory<byte> Body, string? ContentRange = null, int? BreakOffAfter = null);
