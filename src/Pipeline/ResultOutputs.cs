namespace Mae.Cluster.Pipeline;

/// <summary>
/// What a job computes. Each output runs its own graph, so a job that needs one pays for one: embeddings run the
/// features graph (unmasked encoder), the loss runs the reconstruction graph (masked encoder and decoder).
/// </summary>
[Flags]
public enum ResultOutputs
{
    None = 0,

    /// <summary>The CLS and mean embeddings (img_emb/, and mean_emb/ for pool both).</summary>
    Embeddings = 1,

    /// <summary>The per-image reconstruction loss (metadata's mae_loss) and its mask.</summary>
    Loss = 2,

    /// <summary>Both, the default.</summary>
    All = Embeddings | Loss,
}
