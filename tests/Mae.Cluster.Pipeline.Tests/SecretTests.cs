using System.Text;
using Azure.Storage;
using Azure.Storage.Sas;
using Mae.Cluster.Pipeline.Tests.Support;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Pipeline.Tests;

/// <summary>
/// Jobs authenticated with a SAS URL or a connection string: the SAS signature and the account key appear nowhere a
/// job leaves text — job.json, commit records, Parquet values, the .npy files, its log.
/// </summary>
[Collection(typeof(AzuriteTestGroup))]
public sealed class SecretTests(AzuriteFixture azurite, TinyModel model)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SasUrlJobNeverWritesOrLogsTheSignatureAndAFreshSasResumesIt()
    {
        using var storage = await JobStorage.CreateAsync(StorageBackend.Azurite, azurite, Token);
        await InputShards.PutTarsAsync(storage, shards: 2, imagesPerShard: 2, Token);
        var sas = ContainerSas(storage.ContainerName!, DateTimeOffset.UtcNow.AddHours(1));
        var log = new RecordingLogger();

        await SasRunner(storage, sas, log).RunAsync(null, Token);

        var results = await JobResults.ReadAsync(storage, Token);
        JobAssertions.Completed(results, shards: 2, images: 4, failures: 0);
        var manifest = results.Manifest!.Value;
        Assert.Equal($"{azurite.BlobEndpoint}/{storage.ContainerName}/input?{Redacted(sas)}", manifest.GetProperty("input").GetString());
        Assert.Equal($"{azurite.BlobEndpoint}/{storage.ContainerName}/output?{Redacted(sas)}", manifest.GetProperty("output").GetString());
        AssertNowhere(results, log, Secrets(sas));

        // A SAS expires; the same job with a new one (another signature) is still the same job: it resumes, skipping all.
        var renewed = ContainerSas(storage.ContainerName!, DateTimeOffset.UtcNow.AddHours(2));
        Assert.NotEqual(Signature(sas), Signature(renewed));
        var resumed = new CallbackProgress();
        await SasRunner(storage, renewed, log).RunAsync(resumed, Token);
        Assert.Equal(2, resumed.Last!.ShardsSkipped);
        AssertNowhere(await JobResults.ReadAsync(storage, Token), log, [.. Secrets(sas), .. Secrets(renewed)]);
    }

    [Fact]
    public async Task ConnectionStringJobNeverWritesOrLogsTheAccountKey()
    {
        using var storage = await JobStorage.CreateAsync(StorageBackend.Azurite, azurite, Token);
        await InputShards.PutTarsAsync(storage, shards: 2, imagesPerShard: 2, Token);
        var log = new RecordingLogger();
        var options = new ShardJobOptions { Input = $"az://{storage.ContainerName}/input", Output = $"az://{storage.ContainerName}/output", ShardSize = 2 };

        await new InProcessJob(model.Engine, options, TinyModel.Name, storage.Options, log).RunAsync(null, Token);

        var results = await JobResults.ReadAsync(storage, Token);
        JobAssertions.Completed(results, shards: 2, images: 4, failures: 0);
        Assert.Equal($"az://{storage.ContainerName}/output", results.Manifest!.Value.GetProperty("output").GetString());
        AssertNowhere(results, log, [AzuriteFixture.AccountKey, Uri.EscapeDataString(AzuriteFixture.AccountKey), azurite.ConnectionString]);
    }

    private InProcessJob SasRunner(JobStorage storage, string sas, RecordingLogger log)
    {
        var options = new ShardJobOptions
        {
            Input = $"{azurite.BlobEndpoint}/{storage.ContainerName}/input?{sas}",
            Output = $"{azurite.BlobEndpoint}/{storage.ContainerName}/output?{sas}",
            ShardSize = 2,
        };
        // No connection string: the SAS is the only credential the job has.
        return new InProcessJob(model.Engine, options, TinyModel.Name, new StorageOptions { ConnectionString = null, Retry = JobStorage.FastRetries }, log);
    }

    /// <summary>Looks in every output file's raw bytes, every decoded Parquet value (pages are compressed) and every log line.</summary>
    private static void AssertNowhere(JobResults results, RecordingLogger log, IReadOnlyList<string> secrets)
    {
        var texts = new List<(string Where, string Text)>();
        texts.AddRange(results.Snapshot.Files.Select(f => (f, Encoding.Latin1.GetString(results.Snapshot.Bytes(f)))));
        foreach (var shard in results.Commits.Keys)
        {
            texts.AddRange(results.Metadata(shard).Select(r => ($"metadata row {r.Key}", $"{r.Key} {r.ImagePath} {r.Caption}")));
            texts.AddRange(results.Failures(shard).Select(r => ($"failure row {r.Key}", $"{r.Key} {r.ImagePath} {r.Error}")));
        }
        texts.AddRange(log.Messages.Select(m => ("log", m)));
        Assert.NotEmpty(log.Messages);

        foreach (var (where, text) in texts)
        {
            foreach (var secret in secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{where} holds a secret: {text}");
            }
        }
    }

    private static string ContainerSas(string container, DateTimeOffset expiresOn)
    {
        var builder = new BlobSasBuilder { BlobContainerName = container, Resource = "c", ExpiresOn = expiresOn };
        builder.SetPermissions(BlobContainerSasPermissions.All);
        return builder.ToSasQueryParameters(new StorageSharedKeyCredential(AzuriteFixture.AccountName, AzuriteFixture.AccountKey)).ToString();
    }

    private static string Signature(string sas) => sas.Split('&').Single(p => p.StartsWith("sig=", StringComparison.Ordinal))["sig=".Length..];

    private static string Redacted(string sas) => sas.Replace("sig=" + Signature(sas), "sig=" + SecretRedactor.Redacted, StringComparison.Ordinal);

    /// <summary>The signature as it appears in the URL (escaped), as base64 (unescaped), and the key that made it.</summary>
    private static string[] Secrets(string sas) => [Signature(sas), Uri.UnescapeDataString(Signature(sas)), AzuriteFixture.AccountKey];
}
