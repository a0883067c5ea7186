using System.Text.Json;
using System.Text.Json.Serialization;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Pipeline;

/// <summary>
/// The per-shard completion record, written after the shard's files: "is shard i done?" is one existence check,
/// and the record says what the files hold. It carries no timestamps, so a rewrite of a shard is byte-identical.
/// </summary>
public sealed record ShardCommitRecord(
    [property: JsonPropertyName("shard")] int Shard,
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("images")] int Images,
    [property: JsonPropertyName("failures")] int Failures,
    [property: JsonPropertyName("embedding_dim")] int EmbeddingDim,
    [property: JsonPropertyName("job_fingerprint")] string JobFingerprint)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>
    /// True when a simulated device wrote the shard (benchmarks and soaks: the values are a function of the image bytes,
    /// not embeddings); absent for a model's results, so their records stay byte-identical to those written before.
    /// </summary>
    [JsonPropertyName("simulated")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Simulated { get; init; }

    /// <summary>Whether a simulated device wrote the shard.</summary>
    [JsonIgnore]
    public bool IsSimulated => Simulated == true;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static ShardCommitRecord? Parse(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize<ShardCommitRecord>(json, Json);

    /// <summary>Whether this record is the job's own: another job's leftover is overwritten, never passed off as its result.</summary>
    public bool BelongsTo(string jobFingerprint) => JobFingerprint == jobFingerprint;

    /// <summary>The shard's commit record if the job with <paramref name="jobFingerprint"/> committed it; null otherwise.</summary>
    public static async Task<ShardCommitRecord?> ReadOwnAsync(IObjectStore output, int shard, string jobFingerprint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var bytes = await output.TryReadAsync(OutputLayout.Commit(shard), cancellationToken).ConfigureAwait(false);
        return bytes is not null && Parse(bytes) is { } record && record.BelongsTo(jobFingerprint) ? record : null;
    }
}
