namespace Mae.Cluster.Grains;

/// <summary>The numeric precision a job's model runs at; written into job.json as <c>fp32</c> / <c>fp16</c>.</summary>
[GenerateSerializer, Alias("mae.ModelPrecision")]
public enum ModelPrecision
{
    /// <summary>Everything in fp32.</summary>
    Fp32 = 0,

    /// <summary>Weights and matrix products in fp16; layernorm, softmax and the loss in fp32.</summary>
    Fp16 = 1,
}

/// <summary>Which embedding goes into img_emb; written into job.json as <c>cls</c> / <c>mean</c> / <c>both</c>.</summary>
[GenerateSerializer, Alias("mae.EmbeddingPooling")]
public enum EmbeddingPooling
{
    /// <summary>The CLS token of the unmasked encoder.</summary>
    Cls = 0,

    /// <summary>The mean of the patch tokens (CLS excluded).</summary>
    Mean = 1,

    /// <summary>The CLS token in img_emb and the mean in mean_emb, row for row.</summary>
    Both = 2,
}

/// <summary>What a job computes; written into job.json's <c>outputs</c> as a list (<c>["embeddings", "loss"]</c>).</summary>
[Flags]
[GenerateSerializer, Alias("mae.JobOutputs")]
public enum JobOutputs
{
    /// <summary>Nothing: not a usable value, refused by <see cref="JobSpec.Problems"/>.</summary>
    None = 0,

    /// <summary>The embeddings (the features graph: the unmasked encoder).</summary>
    Embeddings = 1,

    /// <summary>The reconstruction loss (the reconstruction graph: masked encoder and decoder).</summary>
    Loss = 2,
}

/// <summary>Element type of the img_emb .npy files; written into job.json as <c>float32</c> / <c>float16</c>.</summary>
[GenerateSerializer, Alias("mae.EmbeddingDType")]
#pragma warning disable CA1720 // The members are numpy's dtype names, which is what they must say.
public enum EmbeddingDType
{
    /// <summary>IEEE float32 (numpy <c>&lt;f4</c>).</summary>
    Float32 = 0,

    /// <summary>IEEE float16 (numpy <c>&lt;f2</c>), rounded to nearest even.</summary>
    Float16 = 1,
}
#pragma warning restore CA1720
