using System.Formats.Tar;
using ParquetSharp;

namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>
/// A job's data in local folders that every silo process of this machine sees: the test photos as WebDataset tars in
/// input/, results in output/. Read back with ParquetSharp and the npy reader, not the product's stores.
/// </summary>
internal sealed class FolderJobData
{
    private FolderJobData(string root)
    {
        Input = Path.Combine(root, "input");
        Output = Path.Combine(root, "output");
    }

    public string Input { get; }

    public string Output { get; }

    /// <summary>Every image key written to the input, each once.</summary>
    public IReadOnlyList<string> Keys { get; private set; } = [];

    /// <summary>
    /// <paramref name="shards"/> tars of <paramref name="imagesPerShard"/> photos each (taken round-robin); keys are
    /// "s{shard}_{photo}", so every image key in the job is distinct.
    /// </summary>
    public static FolderJobData Create(string root, int shards, int imagesPerShard)
    {
        var data = new FolderJobData(root);
        Directory.CreateDirectory(data.Input);
        var photos = Directory.GetFiles(TestPhotos.Directory)
            .Where(p => p.EndsWith(".jpg", StringComparison.Ordinal) || p.EndsWith(".png", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();
        var keys = new List<string>();
        var next = 0;
        for (var s = 0; s < shards; s++)
        {
            using var tar = File.Create(Path.Combine(data.Input, $"shard-{s:D3}.tar"));
            using var writer = new TarWriter(tar, TarEntryFormat.Pax);
            for (var i = 0; i < imagesPerShard; i++)
            {
                var photo = photos[next++ % photos.Length];
                var key = $"s{s:D3}_{Path.GetFileNameWithoutExtension(photo)}";
                writer.WriteEntry(photo, key + Path.GetExtension(photo));
                keys.Add(key);
            }
        }
        data.Keys = keys;
        return data;
    }

    /// <summary>The keys in every metadata parquet of the output, in file order (a key written twice appears twice).</summary>
    public IReadOnlyList<string> OutputKeys()
    {
        var keys = new List<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(Output, "metadata"), "*.parquet").Order(StringComparer.Ordinal))
        {
            using var reader = new ParquetFileReader(file);
            keys.AddRange(ParquetSharpColumns.Read<string>(reader, 0));
        }
        return keys;
    }

    /// <summary>Rows of every img_emb npy of the output, summed.</summary>
    public long EmbeddingRows() => Directory.GetFiles(Path.Combine(Output, "img_emb"), "*.npy").Sum(file =>
    {
        using var stream = File.OpenRead(file);
        return Mae.Cluster.Storage.Formats.NpyReader.Read(stream).Shape[0];
    });

    /// <summary>When each committed shard's record was written, by file name.</summary>
    public Dictionary<string, DateTime> CommitTimes()
    {
        var folder = Path.Combine(Output, "_commits");
        return Directory.Exists(folder) ? Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), File.GetLastWriteTimeUtc) : [];
    }

    /// <summary>Every image once in the output, the job's count agreeing, and <c>_SUCCESS</c> written.</summary>
    public void AssertEveryImageExactlyOnce(JobStatus status)
    {
        Assert.Equal(Keys.Count, status.ImagesDone);
        Assert.Equal(Keys.Order(StringComparer.Ordinal), OutputKeys().Order(StringComparer.Ordinal));
        Assert.Equal(Keys.Count, EmbeddingRows());
        Assert.True(File.Exists(Path.Combine(Output, "_SUCCESS")));
    }
}
