using System.Formats.Tar;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ParquetSharp;

namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>
/// A job's data in a fresh Azurite container: the test photos as WebDataset tars under input/, results under output/.
/// Written and read with the Azure SDK, not the product's stores, so the test sees what is really there.
/// </summary>
internal sealed class BlobJobData
{
    private static readonly string PhotoFolder = TestPhotos.Directory;

    private readonly BlobContainerClient _container;

    private BlobJobData(AzuriteFixture azurite, string container)
    {
        _container = new BlobContainerClient(azurite.ConnectionString, container);
        Input = $"{azurite.BlobEndpoint}/{container}/input";
        Output = $"{azurite.BlobEndpoint}/{container}/output";
    }

    public string Input { get; }

    public string Output { get; }

    /// <summary>Every image key written to the input, each once.</summary>
    public IReadOnlyList<string> Keys { get; private set; } = [];

    /// <summary>
    /// <paramref name="shards"/> tars of <paramref name="imagesPerShard"/> photos each (taken round-robin); keys are
    /// "s{shard}_{photo}", so every image key in the job is distinct.
    /// </summary>
    public static async Task<BlobJobData> CreateAsync(AzuriteFixture azurite, int shards, int imagesPerShard, CancellationToken cancellationToken)
    {
        var data = new BlobJobData(azurite, "job-" + Guid.NewGuid().ToString("N")[..20]);
        await data._container.CreateAsync(cancellationToken: cancellationToken);
        var photos = Directory.GetFiles(PhotoFolder)
            .Where(p => p.EndsWith(".jpg", StringComparison.Ordinal) || p.EndsWith(".png", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();
        var keys = new List<string>();
        var next = 0;
        for (var s = 0; s < shards; s++)
        {
            using var tar = new MemoryStream();
            using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
            {
                for (var i = 0; i < imagesPerShard; i++)
                {
                    var photo = photos[next++ % photos.Length];
                    var key = $"s{s:D3}_{Path.GetFileNameWithoutExtension(photo)}";
                    writer.WriteEntry(photo, key + Path.GetExtension(photo));
                    keys.Add(key);
                }
            }
            tar.Position = 0;
            await data._container.GetBlobClient($"input/shard-{s:D3}.tar").UploadAsync(tar, cancellationToken);
        }
        data.Keys = keys;
        return data;
    }

    /// <summary>The keys in every metadata parquet of the output, in file order (a key written twice appears twice).</summary>
    public async Task<IReadOnlyList<string>> OutputKeysAsync(string localFolder, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = "output/metadata/" }, cancellationToken))
        {
            var file = Path.Combine(localFolder, Path.GetFileName(blob.Name));
            await _container.GetBlobClient(blob.Name).DownloadToAsync(file, cancellationToken);
            using var reader = new ParquetFileReader(file);
            for (var g = 0; g < reader.FileMetaData.NumRowGroups; g++)
            {
                using var group = reader.RowGroup(g);
                keys.AddRange(group.Column(0).LogicalReader<string>().ReadAll(checked((int)group.MetaData.NumRows)));
            }
        }
        return keys;
    }

    /// <summary>Rows of every img_emb npy of the output, summed.</summary>
    public async Task<long> EmbeddingRowsAsync(CancellationToken cancellationToken)
    {
        long rows = 0;
        await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = "output/img_emb/" }, cancellationToken))
        {
            using var stream = new MemoryStream();
            await _container.GetBlobClient(blob.Name).DownloadToAsync(stream, cancellationToken);
            stream.Position = 0;
            rows += Mae.Cluster.Storage.Formats.NpyReader.Read(stream).Shape[0];
        }
        return rows;
    }

    /// <summary>Blobs of the output under <paramref name="outputPrefix"/> (e.g. "_commits/": one commit record per committed shard).</summary>
    public async Task<int> CountAsync(string outputPrefix, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var _ in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = "output/" + outputPrefix }, cancellationToken))
        {
            count++;
        }
        return count;
    }

    public async Task<bool> ExistsAsync(string outputPath, CancellationToken cancellationToken) =>
        await _container.GetBlobClient("output/" + outputPath).ExistsAsync(cancellationToken);
}
