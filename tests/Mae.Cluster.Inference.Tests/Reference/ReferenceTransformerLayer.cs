namespace Mae.Cluster.Inference.Tests.Reference;

/// <summary>
/// One pre-norm ViT-MAE block (Hugging Face <c>ViTMAELayer</c>), used by both encoder and decoder:
/// h = x + Wo·MHA(LN_before(x)); y = h + W2·GELU(W1·LN_after(h)).
/// </summary>
internal static class ReferenceTransformerLayer
{
    /// <param name="prefix">Tensor-name prefix ending in a dot, e.g. <c>vit.encoder.layer.3.</c>.</param>
    public static double[][] Forward(
        double[][] x,
        ReferenceWeights weights,
        string prefix,
        int hidden,
        int heads,
        int intermediate)
    {
        var epsilon = weights.Config.LayerNormEps;
        var hasQkvBias = weights.Config.QkvBias;

        var normed = ReferenceOps.LayerNorm(
            x,
            weights.Get(prefix + "layernorm_before.weight", hidden),
            weights.Get(prefix + "layernorm_before.bias", hidden),
            epsilon);
        var query = Projection(normed, weights, prefix + "attention.attention.query.", hidden, hasQkvBias);
        var key = Projection(normed, weights, prefix + "attention.attention.key.", hidden, hasQkvBias);
        var value = Projection(normed, weights, prefix + "attention.attention.value.", hidden, hasQkvBias);
        var context = ReferenceOps.Attention(query, key, value, heads);
        var attended = Projection(context, weights, prefix + "attention.output.dense.", hidden, hasBias: true);
        var afterAttention = ReferenceOps.Add(x, attended);

        var normedAgain = ReferenceOps.LayerNorm(
            afterAttention,
            weights.Get(prefix + "layernorm_after.weight", hidden),
            weights.Get(prefix + "layernorm_after.bias", hidden),
            epsilon);
        var expanded = ReferenceOps.Linear(
            normedAgain,
            weights.Get(prefix + "intermediate.dense.weight", intermediate, hidden),
            weights.Get(prefix + "intermediate.dense.bias", intermediate),
            intermediate);
        var activated = ReferenceOps.Gelu(expanded);
        var contracted = ReferenceOps.Linear(
            activated,
            weights.Get(prefix + "output.dense.weight", hidden, intermediate),
            weights.Get(prefix + "output.dense.bias", hidden),
            hidden);
        return ReferenceOps.Add(afterAttention, contracted);
    }

    private static double[][] Projection(double[][] x, ReferenceWeights weights, string prefix, int hidden, bool hasBias) =>
        ReferenceOps.Linear(
            x,
            weights.Get(prefix + "weight", hidden, hidden),
            hasBias ? weights.Get(prefix + "bias", hidden) : null,
            hidden);
}
