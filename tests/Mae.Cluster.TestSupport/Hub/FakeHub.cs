using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.TestSupport.Hub;

/// <summary>
/// A Hugging Face Hub on 127.0.0.1 that answers the way huggingface.co does for one model:
/// <c>/{owner}/{name}/resolve/{rev}/{file}</c> serves small files directly with a git-blob ETag and redirects
/// <c>model.safetensors</c> (302, <c>X-Linked-Etag</c> = sha256, <c>X-Linked-Size</c>, <c>X-Repo-Commit</c>) to a
/// "CDN" (<see cref="FakeCdn"/>) at <c>/cdn/{sha256}</c> on the host name <c>localhost</c>, which honours Range requests.
/// Faults are switched on per test; every request is recorded.
/// </summary>
public sealed class FakeHub : IAsyncDisposable
{
    public const string RepoId = "facebook/vit-mae-base";

    /// <summary>A former name of the model: its resolve URLs answer 307 with a relative Location, as after a rename.</summary>
    public const string RenamedFrom = "facebook/vit-mae-old";
    public const string Commit = "8e1b0c5c8f7d6a5b4c3d2e1f0a9b8c7d6e5f4a3b";
    public const string CdnSignature = "X-Amz-Signature=cdn-secret-signature";

    private readonly WebApplication app;
    private readonly FakeCdn cdn;
    private int dropCdnBodyAfter = -1;
    private int dropCdnBodies;
    private int failNextHubRequests;

    private FakeHub(WebApplication app, int port)
    {
        this.app = app;
        cdn = new FakeCdn(ServeCdn);
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        CdnBase = new Uri($"http://localhost:{cdn.Port}");
    }

    /// <summary>Files of the model: a real tiny checkpoint (model.safetensors is about 700 KB), so clients can load what they fetched.</summary>
    public static IReadOnlyDictionary<string, byte[]> Files { get; } = TinyCheckpointFiles();

    private static Dictionary<string, byte[]> TinyCheckpointFiles()
    {
        var directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mae-fake-hub-" + Guid.NewGuid().ToString("N"));
        try
        {
            Mae.Cluster.Inference.Checkpoints.TinyCheckpoint.Write(directory, seed: 5);
            return Mae.Cluster.Inference.Hub.HubDownloader.CheckpointFiles
                .ToDictionary(name => name, name => File.ReadAllBytes(System.IO.Path.Combine(directory, name)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public static long TotalBytes => Files.Values.Sum(f => (long)f.Length);

    public static byte[] Model => Files["model.safetensors"];

    public static string ModelSha256 => Convert.ToHexStringLower(SHA256.HashData(Model));

    public Uri Endpoint { get; }

    /// <summary>The CDN, under the host name <c>localhost</c> (and its own port), so the client sees a different origin.</summary>
    public Uri CdnBase { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>A token the resolve URLs demand (401 without one, 403 with another), or null for a public model.</summary>
    public string? RequiredToken { get; set; }

    /// <summary>The CDN flips a byte of the model (the announced sha256 stays that of the good bytes).</summary>
    public bool CorruptModelBytes { get; set; }

    /// <summary>The CDN answers 200 with everything even when asked for a range.</summary>
    public bool IgnoreRange { get; set; }

    public IEnumerable<RecordedRequest> CdnRequests => Requests.Where(r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal));

    public IEnumerable<RecordedRequest> HubRequests => Requests.Where(r => !r.Path.StartsWith("/cdn/", StringComparison.Ordinal));

    /// <summary>The next <paramref name="times"/> CDN bodies break off (connection aborted) after <paramref name="bytes"/> bytes.</summary>
    public void DropCdnBodiesAfter(int bytes, int times = 1)
    {
        Volatile.Write(ref dropCdnBodyAfter, bytes);
        Volatile.Write(ref dropCdnBodies, times);
    }

    /// <summary>The next <paramref name="count"/> requests to resolve URLs get HTTP 503.</summary>
    public void FailNextHubRequests(int count) => Volatile.Write(ref failNextHubRequests, count);

    public static async Task<FakeHub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeHub? hub = null;
        app.Run(context => hub!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        hub = new FakeHub(app, new Uri(address).Port);
        return hub;
    }

    public async ValueTask DisposeAsync()
    {
        await cdn.DisposeAsync();
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>Git's blob id, which the Hub sends as the ETag of files kept outside LFS.</summary>
#pragma warning disable CA5350 // Git's object ids are SHA-1 by definition; this is an identifier, not security.
    public static string GitBlobId(byte[] content) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {content.Length}\0"), .. content]));
#pragma warning restore CA5350

    private Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        Requests.Enqueue(new RecordedRequest(
            request.Method, request.Host.Host, path, request.Headers.Range.ToString(), request.Headers.Authorization.ToString()));
        return ServeResolveAsync(context, path);
    }

    private async Task ServeResolveAsync(HttpContext context, string path)
    {
        var response = context.Response;
        if (Interlocked.Decrement(ref failNextHubRequests) >= 0)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        // /{owner}/{name}/resolve/{revision}/{file}
        var parts = path.Trim('/').Split('/', 5);
        if (parts.Length != 5 || parts[2] != "resolve")
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if ($"{parts[0]}/{parts[1]}" == RenamedFrom)
        {
            response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            response.Headers.Location = $"/{RepoId}/resolve/{parts[3]}/{parts[4]}";
            return;
        }

        if ($"{parts[0]}/{parts[1]}" != RepoId)
        {
            Error(response, StatusCodes.Status401Unauthorized, "RepoNotFound", "Repository not found");
            return;
        }

        if (RequiredToken is not null && context.Request.Headers.Authorization.ToString() != $"Bearer {RequiredToken}")
        {
            var status = context.Request.Headers.Authorization.Count == 0 ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
            Error(response, status, "GatedRepo", "Access to model facebook/vit-mae-base is restricted.");
            return;
        }

        if (parts[3] is not ("main" or Commit))
        {
            Error(response, StatusCodes.Status404NotFound, "RevisionNotFound", "Invalid rev id: " + parts[3]);
            return;
        }

        if (!Files.TryGetValue(parts[4], out var content))
        {
            Error(response, StatusCodes.Status404NotFound, "EntryNotFound", $"{parts[4]} does not exist on \"{parts[3]}\"");
            return;
        }

        response.Headers["X-Repo-Commit"] = Commit;
        if (parts[4] == "model.safetensors")
        {
            var sha = ModelSha256;
            response.StatusCode = StatusCodes.Status302Found;
            response.Headers.Location = $"{CdnBase}cdn/{sha}?{CdnSignature}";
            response.Headers["X-Linked-Etag"] = $"\"{sha}\"";
            response.Headers["X-Linked-Size"] = content.Length.ToString(CultureInfo.InvariantCulture);
            response.Headers.ETag = $"\"{sha}\"";
            response.ContentLength = 0;
            return;
        }

        response.Headers.ETag = $"\"{GitBlobId(content)}\"";
        response.ContentLength = content.Length;
        response.ContentType = "application/json";
        if (HttpMethods.IsGet(context.Request.Method))
        {
            await response.Body.WriteAsync(content);
        }
    }

    private CdnResponse ServeCdn(CdnRequest request)
    {
        Requests.Enqueue(new RecordedRequest(request.Method, request.Host, request.Path, request.Range, request.Authorization));
        if (request.Path != $"/cdn/{ModelSha256}" || request.Query != CdnSignature)
        {
            return new CdnResponse(403, "Forbidden", ReadOnlyMemory<byte>.Empty);
        }

        var content = Model;
        if (CorruptModelBytes)
        {
            content = (byte[])content.Clone();
            content[content.Length / 2] ^= 0xFF;
        }

        int? breakOffAfter = Interlocked.Decrement(ref dropCdnBodies) >= 0 ? Volatile.Read(ref dropCdnBodyAfter) : null;
        var range = request.Range;
        if (IgnoreRange || !range.StartsWith("bytes=", StringComparison.Ordinal) || !range.EndsWith('-'))
        {
            return new CdnResponse(200, "OK", content, BreakOffAfter: breakOffAfter);
        }

        var start = int.Parse(range["bytes=".Length..^1], CultureInfo.InvariantCulture);
        return new CdnResponse(
            206, "Partial Content", content.AsMemory(start), $"bytes {start}-{content.Length - 1}/{content.Length}", breakOffAfter);
    }

    private static void Error(HttpResponse response, int status, string code, string message)
    {
        response.StatusCode = status;
        response.Headers["X-Error-Code"] = code;
        response.Headers["X-Error-Message"] = message;
    }
}

/// <summary>One request as the fake Hub saw it.</summary>
public sealed record RecordedRequest(string Method, string Host, string Path, string Range, string Authorization);
