namespace Mae.Cluster.Pipeline;

/// <summary>Which embedding goes into img_emb: the CLS token (default) or the mean of the patch tokens.</summary>
public enum EmbeddingPool
{
    Cls,
    Mean,
}
