namespace Mae.Cluster.Pipeline;

/// <summary>Which embedding a job writes: the CLS token (default) or the mean of the patch tokens into img_emb, or both.</summary>
public enum EmbeddingPool
{
    Cls,
    Mean,

    /// <summary>The CLS token into img_emb and the mean into mean_emb, row for row.</summary>
    Both,
}
