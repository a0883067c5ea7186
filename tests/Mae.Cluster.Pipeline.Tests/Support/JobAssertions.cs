using Mae.Cluster.Inference.Engine;

namespace Mae.Cluster.Pipeline.Tests.Support;

/// <summary>The properties every job output must have, checked on what the independent readers found.</summary>
internal static class JobAssertions
{
    /// <summary>The tiny model's hidden size.</summary>
    public const int EmbeddingDim = 64;

    /// <summary>
    /// A commit record is a promise: its shard's files (each .npy folder job.json names, metadata, failures) are all
    /// there and hold exactly what it says (rows of every array = metadata rows = images, each array of the dtype and
    /// row shape job.json gives; failure rows = failures), for this job.
    /// </summary>
    public static void CommittedShardsAreComplete(JobResults results)
    {
        foreach (var (shard, commit) in results.Commits)
        {
            foreach (var file in results.FilesOf(shard))
            {
                Assert.True(results.Snapshot.Has(file), $"shard {shard} is committed but {file} is missing");
            }
            foreach (var (folder, (dtype, rowShape, _)) in results.NpyFolders)
            {
                var array = results.Array(folder, shard);
                Assert.Equal(dtype == "float16" ? "<f2" : "<f4", array.DType);
                Assert.True(array.COrder, $"{array.Path} is not in C order");
                Assert.Equal([commit.Images, .. rowShape], array.Shape);
            }
            Assert.Equal(commit.Images, results.Metadata(shard).Count);
            Assert.Equal(commit.Failures, results.Failures(shard).Count);
            Assert.Equal(EmbeddingDim, commit.EmbeddingDim);
            Assert.Equal(results.Fingerprint, commit.JobFingerprint);
        }
    }

    /// <summary>
    /// The job finished: job.json "completed" with the counts, _SUCCESS, every shard committed and complete, nothing
    /// else in the output, and embedding-reader's parquet_npy pairing (sorted img_emb/*.npy zipped with sorted
    /// metadata/*.parquet) puts img_emb_i with metadata_i.
    /// </summary>
    public static void Completed(JobResults results, int shards, int images, int failures)
    {
        Assert.True(results.Succeeded, $"_SUCCESS is missing; the output holds {results}");
        Assert.Equal("completed", results.State);
        Assert.Equal(shards, results.ManifestNumber("shards"));
        Assert.Equal(images, results.ManifestNumber("images"));
        Assert.Equal(failures, results.ManifestNumber("failures"));
        Assert.Equal(Enumerable.Range(0, shards), results.Commits.Keys.Order());
        CommittedShardsAreComplete(results);

        string[] expectedFiles = [OutputLayout.JobManifest, OutputLayout.SuccessMarker, .. Enumerable.Range(0, shards).SelectMany(results.FilesOf)];
        Assert.Equal(expectedFiles.Order(StringComparer.Ordinal), results.Snapshot.Files);

        Assert.Equal(shards, results.Numpy.ParquetCount);
        if (!results.NpyFolders.ContainsKey(ResultArrays.ImageEmbeddings))
        {
            Assert.Empty(results.Numpy.Pairs);
            return;
        }
        Assert.Equal(shards, results.Numpy.Pairs.Length);
        Assert.All(results.Numpy.Pairs, pair => Assert.Equal(JobResults.ShardNumber(pair[0]), JobResults.ShardNumber(pair[1])));
        Assert.Equal(Enumerable.Range(0, shards).Select(OutputLayout.Embeddings), results.Numpy.Pairs.Select(p => p[0]));
    }

    /// <summary>
    /// The metadata of shards 0..n−1, concatenated, lists exactly <paramref name="expected"/> in order (so every image
    /// once), and each row's embedding, loss and size are the reference's for that image.
    /// </summary>
    public static void EmbeddedInOrder(JobResults results, int shards, IReadOnlyList<Photo> expected, IReadOnlyDictionary<string, ImageResult> reference)
    {
        var rows = results.AllRows(shards);
        Assert.Equal(expected.Select(p => p.Key), rows.Select(r => r.Row.Key));
        foreach (var (row, embedding) in rows)
        {
            var want = reference[row.Key];
            Assert.Equal((want.Width, want.Height), (row.Width, row.Height));
            AssertClose(want.Loss, row.MaeLoss!.Value, $"mae_loss of {row.Key}");
            Assert.Equal(EmbeddingDim, embedding.Length);
            for (var j = 0; j < EmbeddingDim; j++)
            {
                AssertClose(want.ClsEmbedding[j], embedding[j], $"embedding[{j}] of {row.Key}");
            }
        }
    }

    /// <summary>Batches differ between the job and the reference run, so allow for ONNX Runtime's rounding, not more.</summary>
    public static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-4 + (1e-4 * Math.Abs(expected)), $"{what}: expected {expected}, found {actual}");
}
