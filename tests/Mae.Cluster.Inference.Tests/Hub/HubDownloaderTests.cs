using System.Globalization;
using System.Security.Cryptography;
using Mae.Cluster.Inference.Hub;
using Mae.Cluster.TestSupport.Hub;

namespace Mae.Cluster.Inference.Tests.Hub;

public sealed class HubDownloaderTests : IAsyncLifetime
{
    private readonly TempDirectory cache = new();
    private FakeHub hub = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => hub = await FakeHub.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await hub.DisposeAsync();
        cache.Dispose();
    }

    [Fact]
    public async Task FullDownloadLandsTheThreeFilesWithTheServedBytes()
    {
        using var downloader = Downloader();

        var folder = await downloader.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct);

        Assert.Equal(Path.Combine(cache.Path, "hub", "facebook--vit-mae-base", "main"), folder);
        foreach (var (name, bytes) in FakeHub.Files)
        {
            Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(folder, name), Ct));
        }

        Assert.Empty(Directory.GetFiles(folder, "*.incomplete*"));
        var manifest = CacheManifest.TryRead(Path.Combine(folder, ModelCache.ManifestFileName));
        Assert.NotNull(manifest);
        Assert.Equal(FakeHub.Commit, manifest.Commit);
        Assert.Equal(FakeHub.ModelSha256, manifest.Files.Single(f => f.Name == "model.safetensors").Sha256);
    }

    [Fact]
    public async Task FilesAfterTheFirstAreRequestedAtTheCommitTheFirstResolvedTo()
    {
        using var downloader = Downloader();

        await downloader.EnsureDownloadedAsync(FakeHub.RepoId, "main", cancellationToken: Ct);

        var resolvePaths = hub.HubRequests.Select(r => r.Path).ToList();
        Assert.Equal("/facebook/vit-mae-base/resolve/main/config.json", resolvePaths[0]);
        Assert.All(resolvePaths.Skip(1), path => Assert.Contains($"/resolve/{FakeHub.Commit}/", path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CompleteCacheIsServedWithoutAnyRequest()
    {
        using (var first = Downloader())
        {
            await first.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct);
        }

        hub.Requests.Clear();
        using var second = Downloader();

        var folder = await second.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct);

        Assert.Empty(hub.Requests);
        Assert.Equal(FakeHub.Model, await File.ReadAllBytesAsync(Path.Combine(folder, "model.safetensors"), Ct));
    }

    [Fact]
    public async Task PartialDownloadIsResumedWithARangeRequest()
    {
        using var downloader = Downloader();
        var folder = downloader.Cache.RevisionDirectory(HubRepoId.Parse(FakeHub.RepoId), "main");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "model.safetensors.incomplete"), FakeHub.Model[..100_000], Ct);

        await downloader.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct);

        var cdn = Assert.Single(hub.CdnRequests);
        Assert.Equal("bytes=100000-", cdn.Range);
        Assert.Equal(FakeHub.Model, await File.ReadAllBytesAsync(Path.Combine(folder, "model.safetensors"), Ct));
    }

    [Fact]
    public async Task PartialOfAnotherVersionStartsOver()
    {
        using var downloader = Downloader();
        var folder = downloader.Cache.RevisionDirectory(HubRepoId.Parse(FakeHub.RepoId), "main");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "model.safetensors.incomplete"), new byte[100_000], Ct);
        await File.WriteAllTextAsync(Path.Combine(folder, "model.safetensors.incomplete.etag"), new string('a', 64), Ct);

        await downloader.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct);

        Assert.Equal("", Assert.Single(hub.CdnRequests).Range);
        Assert.Equal(FakeHub.Model, await File.ReadAllBytesAsync(Path.Combine(folder, "model.safetensors"), Ct));
    }

    [Fact]
    public async Task ServerIgnoringTheRangeRestartsTheFileFromZero()
    {
        hub.IgnoreRange = true;
        using var downloader = Downloader();
        var folder = downloader.Cache.RevisionDirectory(HubRepoId.Parse(FakeHub.RepoId), "main");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "model.safetensors.incomplete"), FakeHub.Model[..100_000], Ct);

        await downloader.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct);

        Assert.Equal("bytes=100000-", Assert.Single(hub.CdnRequests).Range);
        Assert.Equal(FakeHub.Model, await File.ReadAllBytesAsync(Path.Combine(folder, "model.safetensors"), Ct));
    }

    [Fact]
    public async Task ConnectionDroppedMidBodyIsRetriedFromTheBytesOnDisk()
    {
        hub.DropCdnBodiesAfter(150_000);
        using var downloader = Downloader();

        var folder = await downloader.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct);

        var cdn = hub.CdnRequests.ToList();
        Assert.Equal(2, cdn.Count);
        Assert.Equal("", cdn[0].Range);
        Assert.Equal("bytes=150000-", cdn[1].Range);
        Assert.Equal(FakeHub.Model, await File.ReadAllBytesAsync(Path.Combine(folder, "model.safetensors"), Ct));
    }

    [Fact]
    public async Task CdnThatKeepsBreakingOffNamesTheFileAndHostButNotTheSignedUrl()
    {
        hub.DropCdnBodiesAfter(1_000, times: int.MaxValue);
        using var downloader = Downloader();

        var error = await Assert.ThrowsAsync<HubUnreachableException>(
            () => downloader.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct));

        Assert.StartsWith("Cannot download 'model.safetensors' from localhost", error.Message, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"the connection broke at 3,000 of {FakeHub.Model.Length:N0} bytes"), error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeHub.CdnSignature, error.ToString(), StringComparison.Ordinal);
        Assert.Equal(3, hub.CdnRequests.Count());
    }

    [Fact]
    public async Task AHubNameThatDoesNotResolveFailsAtTheFirstTryInsteadOfRetrying()
    {
        // .invalid never resolves (RFC 2606), with or without a network.
        var options = HubTestOptions.For(new Uri("http://mae-hub.invalid/"), cache.Path) with { MaxAttempts = 5 };
        var logger = new ListLogger<HubDownloader>();
        using var downloader = new HubDownloader(options, logger);

        var error = await Assert.ThrowsAsync<HubUnreachableException>(() => downloader.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct));

        Assert.StartsWith("Cannot reach the Hugging Face Hub at http://mae-hub.invalid: ", error.Message, StringComparison.Ordinal);
        Assert.Empty(logger.Messages);
    }

    [Fact]
    public async Task RenamedModelIsFollowedThroughARelativeRedirect()
    {
        hub.RequiredToken = "hf_test_token";
        using var downloader = Downloader(token: "hf_test_token");

        var folder = await downloader.EnsureDownloadedAsync(FakeHub.RenamedFrom, cancellationToken: Ct);

        Assert.Contains(hub.HubRequests, r => r.Path == "/facebook/vit-mae-base/resolve/main/config.json");
        var manifest = CacheManifest.TryRead(Path.Combine(folder, ModelCache.ManifestFileName));
        Assert.Equal(FakeHub.Commit, manifest?.Commit);
        Assert.Equal(FakeHub.ModelSha256, manifest?.Files.Single(f => f.Name == "model.safetensors").Sha256);
        Assert.Equal(FakeHub.Files["config.json"], await File.ReadAllBytesAsync(Path.Combine(folder, "config.json"), Ct));
        Assert.Equal(FakeHub.Model, await File.ReadAllBytesAsync(Path.Combine(folder, "model.safetensors"), Ct));
    }

    [Fact]
    public async Task TransientServerErrorsAreRetried()
    {
        hub.FailNextHubRequests(2);
        using var downloader = Downloader();

        var folder = await downloader.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct);

        Assert.Equal(FakeHub.Model, await File.ReadAllBytesAsync(Path.Combine(folder, "model.safetensors"), Ct));
    }

    [Fact]
    public async Task PersistentServerErrorsFailAfterTheLastAttempt()
    {
        hub.FailNextHubRequests(int.MaxValue);
        using var downloader = Downloader();

        var error = await Assert.ThrowsAsync<HubException>(() => downloader.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct));

        Assert.Contains("'config.json' failed 3 times", error.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 503", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, hub.Requests.Count);
    }

    [Fact]
    public async Task CorruptBytesFailWithBothHashesAndLeaveNothingLookingComplete()
    {
        hub.CorruptModelBytes = true;
        using var downloader = Downloader();
        var corrupt = (byte[])FakeHub.Model.Clone();
        corrupt[corrupt.Length / 2] ^= 0xFF;

        var error = await Assert.ThrowsAsync<HubIntegrityException>(
            () => downloader.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct));

        Assert.Contains("'model.safetensors'", error.Message, StringComparison.Ordinal);
        Assert.Contains(FakeHub.ModelSha256, error.Message, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(corrupt)), error.Message, StringComparison.Ordinal);
        var folder = downloader.Cache.RevisionDirectory(HubRepoId.Parse(FakeHub.RepoId), "main");
        Assert.False(File.Exists(Path.Combine(folder, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(folder, "model.safetensors.incomplete")));
        Assert.False(File.Exists(Path.Combine(folder, ModelCache.ManifestFileName)));
        Assert.Null(downloader.Cache.FindComplete(HubRepoId.Parse(FakeHub.RepoId), "main", HubDownloader.CheckpointFiles));
    }

    [Fact]
    public async Task TokenGoesToTheHubButNotToTheCdnOnAnotherHost()
    {
        hub.RequiredToken = "hf_test_token";
        using var downloader = Downloader(token: "hf_test_token");

        await downloader.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct);

        Assert.NotEmpty(hub.HubRequests);
        Assert.All(hub.HubRequests, r => Assert.Equal(("127.0.0.1", "Bearer hf_test_token"), (r.Host, r.Authorization)));
        var cdn = Assert.Single(hub.CdnRequests);
        Assert.Equal(("localhost", ""), (cdn.Host, cdn.Authorization));
    }

    [Fact]
    public async Task GatedModelWithoutTokenAsksForHfToken()
    {
        hub.RequiredToken = "hf_test_token";
        using var downloader = Downloader();

        var error = await Assert.ThrowsAsync<HubAccessDeniedException>(
            () => downloader.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct));

        Assert.Contains("HTTP 401", error.Message, StringComparison.Ordinal);
        Assert.Contains("gated or private", error.Message, StringComparison.Ordinal);
        Assert.Contains("set HF_TOKEN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RejectedTokenIsNamedButNeverShown()
    {
        hub.RequiredToken = "hf_test_token";
        using var downloader = Downloader(token: "hf_wrong_secret");

        var error = await Assert.ThrowsAsync<HubAccessDeniedException>(
            () => downloader.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct));

        Assert.Contains("HTTP 403", error.Message, StringComparison.Ordinal);
        Assert.Contains("HF_TOKEN was sent", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hf_wrong_secret", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableHubGivesTheClearMessage()
    {
        using var closed = new ClosedPort();
        using var downloader = new HubDownloader(HubTestOptions.For(closed.Endpoint, cache.Path));

        var error = await Assert.ThrowsAsync<HubUnreachableException>(
            () => downloader.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct));

        var endpoint = closed.Endpoint.AbsoluteUri.TrimEnd('/');
        Assert.StartsWith($"Cannot reach the Hugging Face Hub at {endpoint}: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(
            ". Check the network, set HF_ENDPOINT to a mirror, or pass a local checkpoint folder to --model.",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownRevisionIsNotFound()
    {
        using var downloader = Downloader();

        var error = await Assert.ThrowsAsync<HubNotFoundException>(
            () => downloader.EnsureDownloadedAsync(FakeHub.RepoId, "v9.9", cancellationToken: Ct));

        Assert.Contains("has no revision 'v9.9'", error.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 404", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownModelIsNotFound()
    {
        using var downloader = Downloader();

        var error = await Assert.ThrowsAsync<HubNotFoundException>(
            () => downloader.EnsureDownloadedAsync("facebook/no-such-model", cancellationToken: Ct));

        Assert.Contains("Model 'facebook/no-such-model' was not found", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("..")]
    [InlineData("facebook/../../etc")]
    [InlineData("../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("facebook/vit-mae-base/extra")]
    [InlineData("facebook\\..\\x")]
    [InlineData("face book/vit")]
    [InlineData("a--b/c")]
    [InlineData("./x")]
    [InlineData("")]
    public async Task HostileRepoIdIsRefusedBeforeAnyRequest(string repoId)
    {
        using var downloader = Downloader();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => downloader.EnsureDownloadedAsync(repoId, cancellationToken: Ct));

        Assert.Empty(hub.Requests);
        Assert.False(Directory.Exists(Path.Combine(cache.Path, "hub")));
    }

    [Theory]
    [InlineData("../../x")]
    [InlineData("main/../..")]
    [InlineData("/abs")]
    [InlineData("")]
    public async Task HostileRevisionIsRefusedBeforeAnyRequest(string revision)
    {
        using var downloader = Downloader();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => downloader.EnsureDownloadedAsync(FakeHub.RepoId, revision, cancellationToken: Ct));

        Assert.Empty(hub.Requests);
    }

    [Fact]
    public async Task ProgressReportsMonotonicBytesEndingAtTotal()
    {
        using var downloader = Downloader();
        var progress = new ProgressRecorder();

        await downloader.EnsureDownloadedAsync(FakeHub.RepoId, progress: progress, cancellationToken: Ct);

        var reports = progress.Reports;
        Assert.All(reports, r => Assert.Equal(FakeHub.TotalBytes, r.TotalBytes));
        Assert.All(reports.Zip(reports.Skip(1)), pair => Assert.True(pair.Second.BytesDone >= pair.First.BytesDone));
        Assert.Equal(FakeHub.TotalBytes, reports[^1].BytesDone);
        Assert.Equal(("model.safetensors", FakeHub.Model.Length), (reports[^1].FileName, (int)reports[^1].FileBytes));
        Assert.True(reports.Count(r => r.FileName == "model.safetensors") > 2, "the large file reports more than its start and end");
    }

    [Fact]
    public async Task ConcurrentPullsOfOneModelDownloadItOnce()
    {
        using var first = Downloader();
        using var second = Downloader();

        var folders = await Task.WhenAll(
            first.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct),
            second.EnsureDownloadedAsync(FakeHub.RepoId, cancellationToken: Ct));

        Assert.Equal(folders[0], folders[1]);
        Assert.Single(hub.CdnRequests);
        Assert.Equal(FakeHub.Model, await File.ReadAllBytesAsync(Path.Combine(folders[0], "model.safetensors"), Ct));
    }

    private HubDownloader Downloader(string? token = null) => new(HubTestOptions.For(hub.Endpoint, cache.Path, token));

    /// <summary>Keeps what the downloader logs (its retries), to tell whether it tried again.</summary>
    private sealed class ListLogger<T> : Microsoft.Extensions.Logging.ILogger<T>
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

        public IReadOnlyCollection<string> Messages => _messages;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) => _messages.Enqueue(formatter(state, exception));
    }
}
