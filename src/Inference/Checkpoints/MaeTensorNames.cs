using System.Globalization;

namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>
/// Hugging Face's tensor names for <c>ViTMAEForPreTraining</c> in <c>model.safetensors</c>.
/// Linear weights are stored [out, in] (y = x·Wᵀ + b).
/// </summary>
public static class MaeTensorNames
{
    /// <summary>[1, 1, D].</summary>
    public const string ClsToken = "vit.embeddings.cls_token";

    /// <summary>[1, L+1, D], the fixed 2-D sin-cos table with a zero CLS row.</summary>
    public const string PositionEmbeddings = "vit.embeddings.position_embeddings";

    /// <summary>[D, C, p, p], the patch-embedding convolution.</summary>
    public const string PatchProjectionWeight = "vit.embeddings.patch_embeddings.projection.weight";

    /// <summary>[D].</summary>
    public const string PatchProjectionBias = "vit.embeddings.patch_embeddings.projection.bias";

    /// <summary>[D], the layer norm after the last encoder layer.</summary>
    public const string EncoderNormWeight = "vit.layernorm.weight";

    /// <summary>[D].</summary>
    public const string EncoderNormBias = "vit.layernorm.bias";

    /// <summary>[1, 1, Dd].</summary>
    public const string MaskToken = "decoder.mask_token";

    /// <summary>[1, L+1, Dd], the decoder's fixed 2-D sin-cos table with a zero CLS row.</summary>
    public const string DecoderPositionEmbeddings = "decoder.decoder_pos_embed";

    /// <summary>[Dd, D].</summary>
    public const string DecoderEmbedWeight = "decoder.decoder_embed.weight";

    /// <summary>[Dd].</summary>
    public const string DecoderEmbedBias = "decoder.decoder_embed.bias";

    /// <summary>[Dd].</summary>
    public const string DecoderNormWeight = "decoder.decoder_norm.weight";

    /// <summary>[Dd].</summary>
    public const string DecoderNormBias = "decoder.decoder_norm.bias";

    /// <summary>[p·p·C, Dd].</summary>
    public const string DecoderPredWeight = "decoder.decoder_pred.weight";

    /// <summary>[p·p·C].</summary>
    public const string DecoderPredBias = "decoder.decoder_pred.bias";

    /// <summary>"vit.encoder.layer.{n}." — the prefix of encoder layer <paramref name="layer"/>'s tensors.</summary>
    public static string EncoderLayerPrefix(int layer) => string.Create(CultureInfo.InvariantCulture, $"vit.encoder.layer.{layer}.");

    /// <summary>"decoder.decoder_layers.{n}." — the prefix of decoder layer <paramref name="layer"/>'s tensors.</summary>
    public static string DecoderLayerPrefix(int layer) => string.Create(CultureInfo.InvariantCulture, $"decoder.decoder_layers.{layer}.");

    /// <summary>The tensor names of encoder layer <paramref name="layer"/>.</summary>
    public static TransformerLayerNames EncoderLayer(int layer) => new(EncoderLayerPrefix(layer));

    /// <summary>The tensor names of decoder layer <paramref name="layer"/> (same sub-names as an encoder layer).</summary>
    public static TransformerLayerNames DecoderLayer(int layer) => new(DecoderLayerPrefix(layer));
}

/// <summary>
/// The tensor names of one pre-norm transformer layer under <paramref name="Prefix"/>; encoder and decoder
/// layers share these sub-names.
/// </summary>
public sealed record TransformerLayerNames(string Prefix)
{
    public string QueryWeight => Prefix + "attention.attention.query.weight";
    public string QueryBias => Prefix + "attention.attention.query.bias";
    public string KeyWeight => Prefix + "attention.attention.key.weight";
    public string KeyBias => Prefix + "attention.attention.key.bias";
    public string ValueWeight => Prefix + "attention.attention.value.weight";
    public string ValueBias => Prefix + "attention.attention.value.bias";

    /// <summary>The attention output projection Wo.</summary>
    public string AttentionOutputWeight => Prefix + "attention.output.dense.weight";
    public string AttentionOutputBias => Prefix + "attention.output.dense.bias";

    /// <summary>The MLP's first Linear W1 [I, D].</summary>
    public string IntermediateWeight => Prefix + "intermediate.dense.weight";
    public string IntermediateBias => Prefix + "intermediate.dense.bias";

    /// <summary>The MLP's second Linear W2 [D, I].</summary>
    public string OutputWeight => Prefix + "output.dense.weight";
    public string OutputBias => Prefix + "output.dense.bias";

    /// <summary>The layer norm before attention.</summary>
    public string LayerNormBeforeWeight => Prefix + "layernorm_before.weight";
    public string LayerNormBeforeBias => Prefix + "layernorm_before.bias";

    /// <summary>The layer norm before the MLP.</summary>
    public string LayerNormAfterWeight => Prefix + "layernorm_after.weight";
    public string LayerNormAfterBias => Prefix + "layernorm_after.bias";
}
