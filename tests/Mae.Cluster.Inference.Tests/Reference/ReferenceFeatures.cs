namespace Mae.Cluster.Inference.Tests.Reference;

/// <summary>Embeddings of the unmasked encoder pass, after the final <c>vit.layernorm</c>.</summary>
/// <param name="Cls">The CLS token (hidden_size values).</param>
/// <param name="Mean">The mean of the L patch tokens, CLS excluded (hidden_size values).</param>
/// <param name="LastHiddenState">All 1 + L tokens, CLS first, row-major [(1 + L) × hidden_size].</param>
public sealed record ReferenceFeatures(float[] Cls, float[] Mean, float[] LastHiddenState);
