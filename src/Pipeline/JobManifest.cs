using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mae.Cluster.Pipeline;

/// <summary>
/// job.json: what the job was (locations with secrets redacted, model and its hash, every option that changes the
/// results, as a fingerprint too), what it counted and how long it took. Written when the job starts (state
/// "running") and again when every shard is committed ("completed").
/// </summary>
public sealed record JobManifest
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    [JsonPropertyName("state")] public required string State { get; init; }
    [JsonPropertyName("job_fingerprint")] public required string JobFingerprint { get; init; }
    [JsonPropertyName("input")] public required string Input { get; init; }
    [JsonPropertyName("output")] public required string Output { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("model_sha256")] public required string ModelSha256 { get; init; }
    [JsonPropertyName("seed")] public long Seed { get; init; }
    [JsonPropertyName("mask_ratio")] public double MaskRatio { get; init; }
    [JsonPropertyName("mask_scheme")] public required string MaskScheme { get; init; }
    /// <summary>What the job computes (<c>embeddings</c>, <c>loss</c>); null in a job.json from before outputs could be chosen, which computed both.</summary>
    [JsonPropertyName("outputs")] public IReadOnlyList<string>? Outputs { get; init; }
    [JsonPropertyName("pool")] public required string Pool { get; init; }
    [JsonPropertyName("embedding_dtype")] public required string EmbeddingDtype { get; init; }
    [JsonPropertyName("embedding_dim")] public int EmbeddingDim { get; init; }
    [JsonPropertyName("shard_size")] public int ShardSize { get; init; }
    [JsonPropertyName("save_mask")] public bool SaveMask { get; init; }
    [JsonPropertyName("save_patch_tokens")] public bool SavePatchTokens { get; init; }

    /// <summary>The .npy folders, each with what its rows hold (<see cref="ResultArrays"/>); null in a job.json from before 0.2, which wrote img_emb alone.</summary>
    [JsonPropertyName("npy_folders")] public IReadOnlyDictionary<string, ResultArray>? NpyFolders { get; init; }
    [JsonPropertyName("precision")] public required string Precision { get; init; }
    [JsonPropertyName("device")] public required string Device { get; init; }
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; }
    [JsonPropertyName("shards")] public int Shards { get; init; }
    [JsonPropertyName("images")] public long? Images { get; init; }
    [JsonPropertyName("failures")] public long? Failures { get; init; }

    /// <summary>Shards given up on (cluster jobs only); their images are missing, so such an output gets no _SUCCESS.</summary>
    [JsonPropertyName("failed_shards")] public int? FailedShards { get; init; }
    /// <summary>Why a job failed (state <c>failed</c>): for example, that no image could be embedded.</summary>
    [JsonPropertyName("reason")] public string? Reason { get; init; }
    [JsonPropertyName("started_at")] public DateTimeOffset StartedAt { get; init; }
    [JsonPropertyName("finished_at")] public DateTimeOffset? FinishedAt { get; init; }
    [JsonPropertyName("elapsed_seconds")] public double? ElapsedSeconds { get; init; }
    [JsonPropertyName("images_per_second")] public double? ImagesPerSecond { get; init; }
    /// <summary>When a later run of the same job last finished (the timings above stay the first completion's).</summary>
    [JsonPropertyName("last_rerun_finished_at")] public DateTimeOffset? LastRerunFinishedAt { get; init; }
    /// <summary>
    /// True when shards of this output were written by a simulated device (benchmarks and soaks: the values are a
    /// function of the image bytes, not embeddings; their commit records say which); absent otherwise.
    /// </summary>
    [JsonPropertyName("simulated")] public bool? Simulated { get; init; }
    [JsonPropertyName("software_version")] public required string SoftwareVersion { get; init; }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static JobManifest? Parse(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize<JobManifest>(json, Json);
}
