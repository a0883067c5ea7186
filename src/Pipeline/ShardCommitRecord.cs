using System.Text.Json;
using System.Text.Json.Serialization;

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

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static ShardCommitRecord? Parse(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize<ShardCommitRecord>(json, Json);
}
