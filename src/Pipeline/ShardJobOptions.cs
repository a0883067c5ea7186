using System.ComponentModel.DataAnnotations;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Pipeline;

/// <summary>What a shard job reads, writes and keeps, apart from how the model runs (engine options).</summary>
public sealed class ShardJobOptions
{
    /// <summary>Input location: a local folder or blob prefix holding *.tar shards or loose images.</summary>
    [Required]
    public string Input { get; set; } = "";

    /// <summary>Output location (local folder or blob prefix).</summary>
    [Required]
    public string Output { get; set; } = "";

    /// <summary>Loose images per shard (WebDataset tars are shards already).</summary>
    [Range(1, 1_000_000)]
    public int ShardSize { get; set; } = 1000;

    public EmbeddingPool Pool { get; set; } = EmbeddingPool.Cls;

    public NpyElementType EmbeddingType { get; set; } = NpyElementType.Fp32;

    /// <summary>Also write each image's 0/1 mask into the metadata.</summary>
    public bool SaveMask { get; set; }

    /// <summary>Shards processed at once: one decoding while another runs the model and a third uploads.</summary>
    [Range(1, 64)]
    public int ShardsInFlight { get; set; } = 2;

    /// <summary>Largest image (or tar member) accepted, in bytes.</summary>
    [Range(1, long.MaxValue)]
    public long MaxImageBytes { get; set; } = 64L * 1024 * 1024;

    public void Validate() => Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
}
