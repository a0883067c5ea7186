using System.Text;
using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Tests.Checkpoints;

public class MaeConfigJsonTests
{
    // facebook/vit-mae-large's config.json as the hub serves it (fields this system ignores included).
    private const string LargeConfig = """
        {
          "architectures": ["ViTMAEForPreTraining"],
          "attention_probs_dropout_prob": 0.0,
          "decoder_hidden_size": 512,
          "decoder_intermediate_size": 2048,
          "decoder_num_attention_heads": 16,
          "decoder_num_hidden_layers": 8,
          "hidden_act": "gelu",
          "hidden_dropout_prob": 0.0,
          "hidden_size": 1024,
          "image_size": 224,
          "initializer_range": 0.02,
          "intermediate_size": 4096,
          "layer_norm_eps": 1e-12,
          "mask_ratio": 0.75,
          "model_type": "vit_mae",
          "norm_pix_loss": false,
          "num_attention_heads": 16,
          "num_channels": 3,
          "num_hidden_layers": 24,
          "patch_size": 16,
          "qkv_bias": true,
          "torch_dtype": "float32",
          "transformers_version": "4.16.0.dev0"
        }
        """;

    [Fact]
    public void ParsesEveryFieldAndIgnoresOthers()
    {
        var config = Parse(LargeConfig);

        Assert.Equal(MaeConfig.Base with { HiddenSize = 1024, NumHiddenLayers = 24, NumAttentionHeads = 16, IntermediateSize = 4096 }, config);
    }

    [Fact]
    public void MissingFieldsTakeHuggingFaceDefaults()
    {
        Assert.Equal(MaeConfig.Base, Parse("{}"));
        Assert.Equal(MaeConfig.Base with { PatchSize = 14, NormPixLoss = true, QkvBias = false },
            Parse("""{"patch_size": 14, "norm_pix_loss": true, "qkv_bias": false, "torch_dtype": null}"""));
    }

    [Fact]
    public void SerializedConfigParsesBackToTheSameConfig()
    {
        var config = TinyCheckpoint.DefaultConfig with { QkvBias = false, LayerNormEps = 1e-6, MaskRatio = 0.6 };

        var bytes = MaeConfigJson.Serialize(config);

        Assert.Equal(config, MaeConfigJson.Parse(bytes, "config.json"));
        var text = Encoding.UTF8.GetString(bytes);
        Assert.Contains("\"model_type\": \"vit_mae\"", text, StringComparison.Ordinal);
        Assert.Contains("\"ViTMAEForPreTraining\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", text, StringComparison.Ordinal);
    }

    [Fact]
    public void BadJsonNamesTheFile()
    {
        var error = Assert.Throws<InvalidCheckpointException>(() => Parse("""{"hidden_size": 64,"""));

        Assert.Contains("/ckpt/config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"hidden_size": "768"}""", "hidden_size")]
    [InlineData("""{"num_hidden_layers": 12.5}""", "num_hidden_layers")]
    [InlineData("""{"qkv_bias": 1}""", "qkv_bias")]
    [InlineData("""{"hidden_act": 7}""", "hidden_act")]
    [InlineData("""{"mask_ratio": "0.75"}""", "mask_ratio")]
    public void WrongTypeNamesTheFileAndTheField(string json, string field)
    {
        var error = Assert.Throws<InvalidCheckpointException>(() => Parse(json));

        Assert.Contains("/ckpt/config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{field}'", error.Message, StringComparison.Ordinal);
        Assert.Equal(field, error.Subject);
    }

    [Fact]
    public void RootThatIsNotAnObjectIsRefused()
    {
        var error = Assert.Throws<InvalidCheckpointException>(() => Parse("[1, 2]"));

        Assert.Contains("JSON object", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GeluNewIsRefused()
    {
        var error = Assert.Throws<InvalidCheckpointException>(() => Parse("""{"hidden_act": "gelu_new"}"""));

        Assert.Contains("'hidden_act'", error.Message, StringComparison.Ordinal);
        Assert.Contains("gelu_new", error.Message, StringComparison.Ordinal);
        Assert.Contains("erf", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"image_size": 225}""", "image_size")]
    [InlineData("""{"num_attention_heads": 5}""", "num_attention_heads")]
    [InlineData("""{"decoder_num_attention_heads": 7}""", "decoder_num_attention_heads")]
    [InlineData("""{"hidden_size": 0}""", "hidden_size")]
    [InlineData("""{"decoder_intermediate_size": -1}""", "decoder_intermediate_size")]
    [InlineData("""{"patch_size": 0}""", "patch_size")]
    [InlineData("""{"mask_ratio": 1.0}""", "mask_ratio")]
    [InlineData("""{"mask_ratio": -0.1}""", "mask_ratio")]
    [InlineData("""{"layer_norm_eps": 0}""", "layer_norm_eps")]
    [InlineData("""{"model_type": "vit"}""", "model_type")]
    public void UnusableArchitectureNamesTheField(string json, string field)
    {
        var error = Assert.Throws<InvalidCheckpointException>(() => Parse(json));

        Assert.Contains($"'{field}'", error.Message, StringComparison.Ordinal);
        Assert.Equal(field, error.Subject);
    }

    [Fact]
    public void MaskRatioZeroIsAccepted() => Assert.Equal(0.0, Parse("""{"mask_ratio": 0}""").MaskRatio);

    private static MaeConfig Parse(string json) => MaeConfigJson.Parse(Encoding.UTF8.GetBytes(json), "/ckpt/config.json");
}
