using System.Text.Json;

namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>
/// Reads and writes Hugging Face's <c>config.json</c> for <c>ViTMAEForPreTraining</c>.
/// Fields this system does not use (dropouts, initializer_range, torch_dtype, ...) are ignored.
/// </summary>
public static class MaeConfigJson
{
    /// <summary>The file name in a Hugging Face checkpoint directory.</summary>
    public const string FileName = "config.json";

    /// <summary>Reads, parses and validates a <c>config.json</c> file.</summary>
    /// <exception cref="InvalidCheckpointException">The file is missing, not JSON, or states an unsupported model.</exception>
    public static MaeConfig Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidCheckpointException($"Checkpoint config file '{path}' does not exist.", path, null);
        }

        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>
    /// Parses and validates <c>config.json</c> text; <paramref name="source"/> names it in messages.
    /// Missing fields take Hugging Face's <c>ViTMAEConfig</c> defaults, which are <see cref="MaeConfig"/>'s.
    /// </summary>
    public static MaeConfig Parse(ReadOnlyMemory<byte> utf8Json, string source)
    {
        var fields = JsonFields.Parse(utf8Json, source);
        var modelType = fields.String("model_type", "vit_mae");
        if (modelType != "vit_mae")
        {
            throw fields.Invalid("model_type", $"is '{modelType}'; only 'vit_mae' checkpoints are supported.");
        }

        var defaults = MaeConfig.Base;
        var config = new MaeConfig
        {
            HiddenSize = fields.Int("hidden_size", defaults.HiddenSize),
            NumHiddenLayers = fields.Int("num_hidden_layers", defaults.NumHiddenLayers),
            NumAttentionHeads = fields.Int("num_attention_heads", defaults.NumAttentionHeads),
            IntermediateSize = fields.Int("intermediate_size", defaults.IntermediateSize),
            HiddenAct = fields.String("hidden_act", defaults.HiddenAct),
            LayerNormEps = fields.Double("layer_norm_eps", defaults.LayerNormEps),
            ImageSize = fields.Int("image_size", defaults.ImageSize),
            PatchSize = fields.Int("patch_size", defaults.PatchSize),
            NumChannels = fields.Int("num_channels", defaults.NumChannels),
            QkvBias = fields.Bool("qkv_bias", defaults.QkvBias),
            DecoderHiddenSize = fields.Int("decoder_hidden_size", defaults.DecoderHiddenSize),
            DecoderNumHiddenLayers = fields.Int("decoder_num_hidden_layers", defaults.DecoderNumHiddenLayers),
            DecoderNumAttentionHeads = fields.Int("decoder_num_attention_heads", defaults.DecoderNumAttentionHeads),
            DecoderIntermediateSize = fields.Int("decoder_intermediate_size", defaults.DecoderIntermediateSize),
            MaskRatio = fields.Double("mask_ratio", defaults.MaskRatio),
            NormPixLoss = fields.Bool("norm_pix_loss", defaults.NormPixLoss),
        };
        MaeConfigValidator.Validate(config, source);
        return config;
    }

    /// <summary>
    /// <c>config.json</c> bytes with Hugging Face's field names, sorted keys, two-space indent and
    /// <c>\n</c> line ends, so the same config always gives the same bytes.
    /// </summary>
    public static byte[] Serialize(MaeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("architectures");
            writer.WriteStringValue("ViTMAEForPreTraining");
            writer.WriteEndArray();
            writer.WriteNumber("attention_probs_dropout_prob", 0.0);
            writer.WriteNumber("decoder_hidden_size", config.DecoderHiddenSize);
            writer.WriteNumber("decoder_intermediate_size", config.DecoderIntermediateSize);
            writer.WriteNumber("decoder_num_attention_heads", config.DecoderNumAttentionHeads);
            writer.WriteNumber("decoder_num_hidden_layers", config.DecoderNumHiddenLayers);
            writer.WriteString("hidden_act", config.HiddenAct);
            writer.WriteNumber("hidden_dropout_prob", 0.0);
            writer.WriteNumber("hidden_size", config.HiddenSize);
            writer.WriteNumber("image_size", config.ImageSize);
            writer.WriteNumber("initializer_range", 0.02);
            writer.WriteNumber("intermediate_size", config.IntermediateSize);
            writer.WriteNumber("layer_norm_eps", config.LayerNormEps);
            writer.WriteNumber("mask_ratio", config.MaskRatio);
            writer.WriteString("model_type", "vit_mae");
            writer.WriteBoolean("norm_pix_loss", config.NormPixLoss);
            writer.WriteNumber("num_attention_heads", config.NumAttentionHeads);
            writer.WriteNumber("num_channels", config.NumChannels);
            writer.WriteNumber("num_hidden_layers", config.NumHiddenLayers);
            writer.WriteNumber("patch_size", config.PatchSize);
            writer.WriteBoolean("qkv_bias", config.QkvBias);
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }
}
