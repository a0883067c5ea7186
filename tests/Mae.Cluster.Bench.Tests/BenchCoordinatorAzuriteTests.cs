using Azure.Storage.Blobs;

namespace Mae.Cluster.Bench.Tests;

/// <summary><c>mae-bench coordinator --storage azure</c> against a real Azurite: grain state goes to blob storage.</summary>
[Collection(typeof(AzuriteTestGroup))]
public sealed class BenchCoordinatorAzuriteTests(AzuriteFixture azurite) : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task PersistsGrainStateInAzureBlobsAndNeverPrintsTheKey()
    {
        var environment = new Dictionary<string, string> { ["MAE_HOME"] = _temp.Combine("mae-home") };

        var run = await BuiltProgram.MaeBench.RunAsync(environment,
            "coordinator", "--shards", "300", "--workers", "4", "--partition-size", "128", "--storage", "azure", "--connection-string", azurite.ConnectionString);

        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Equal(300, BenchFigures.Value(run.StdOut, "shard completions"));
        Assert.True(BenchFigures.Value(run.StdOut, "bytes persisted per completion") is > 0 and <= 1024, run.StdOut);
        Assert.True(BenchFigures.Value(run.StdOut, "grain storage writes per completion") is > 0 and <= 1, run.StdOut);
        Assert.Contains($"Azure Blob at {azurite.BlobEndpoint}", run.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain(AzuriteFixture.AccountKey, run.StdOut + run.StdErr, StringComparison.Ordinal);

        // The partitions' states are there: at least one blob per partition of the measured job (3) and the warm-up's.
        var blobs = 0;
        var service = new BlobServiceClient(azurite.ConnectionString);
        await foreach (var container in service.GetBlobContainersAsync(cancellationToken: TestContext.Current.CancellationToken))
        {
            await foreach (var blob in service.GetBlobContainerClient(container.Name).GetBlobsAsync(cancellationToken: TestContext.Current.CancellationToken))
            {
                blobs += blob.Name.Contains("partition", StringComparison.OrdinalIgnoreCase) ? 1 : 0;
            }
        }
        Assert.True(blobs >= 3, $"{blobs} partition blobs in Azurite");
    }

    public void Dispose() => _temp.Dispose();
}
