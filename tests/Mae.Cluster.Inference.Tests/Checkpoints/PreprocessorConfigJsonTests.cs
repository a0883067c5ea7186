using System.Text;
using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Tests.Checkpoints;

public class PreprocessorConfigJsonTests
{
    [Fact]
    public void ParsesVitMaeBaseStyleFileWithIntegerSize()
    {
        var config = Parse("""
            {
              "do_normalize": true,
              "do_resize": true,
              "feature_extractor_type": "ViTFeatureExtractor",
              "image_mean": [0.485, 0.456, 0.406],
              "image_std": [0.229, 0.224, 0.225],
              "resample": 2,
              "size": 224
            }
            """);

        Assert.Equal(224, config.Height);
        Assert.Equal(224, config.Width);
        Assert.Equal(PreprocessorConfig.Default.ImageMean, config.ImageMean);
        Assert.Equal(PreprocessorConfig.Default.ImageStd, config.ImageStd);
        Assert.True(config.DoRescale);
        Assert.Equal(1.0 / 255.0, config.RescaleFactor);
    }

    [Fact]
    public void SizeAsHeightAndWidthObjectIsRead()
    {
        var config = Parse("""{"size": {"height": 32, "width": 48}, "do_rescale": false, "rescale_factor": 0.5}""");

        Assert.Equal(32, config.Height);
        Assert.Equal(48, config.Width);
        Assert.False(config.DoRescale);
        Assert.Equal(0.5, config.RescaleFactor);
    }

    [Fact]
    public void MissingFieldsTakeViTImageProcessorDefaults()
    {
        var config = Parse("{}");

        Assert.Equal(PreprocessorConfigJson.ImageProcessorDefaults, config with { ImageMean = config.ImageMean, ImageStd = config.ImageStd });
        Assert.Equal([0.5f, 0.5f, 0.5f], config.ImageMean);
        Assert.Equal([0.5f, 0.5f, 0.5f], config.ImageStd);
        Assert.Equal(2, config.Resample);
        Assert.Equal(224, config.Height);
    }

    [Fact]
    public void ShortestEdgeSizeIsRefusedAsUnsupported()
    {
        var error = Assert.Throws<InvalidCheckpointException>(() => Parse("""{"size": {"shortest_edge": 224}}"""));

        Assert.Contains("'size'", error.Message, StringComparison.Ordinal);
        Assert.Contains("shortest_edge", error.Message, StringComparison.Ordinal);
        Assert.Contains("not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResampleOtherThanBilinearIsRefused()
    {
        var error = Assert.Throws<InvalidCheckpointException>(() => Parse("""{"resample": 3}"""));

        Assert.Contains("'resample'", error.Message, StringComparison.Ordinal);
        Assert.Contains("BILINEAR", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"do_normalize": "yes"}""", "do_normalize")]
    [InlineData("""{"image_mean": "imagenet"}""", "image_mean")]
    [InlineData("""{"image_std": [0.2, "x", 0.2]}""", "image_std")]
    [InlineData("""{"size": "224"}""", "size")]
    [InlineData("""{"size": {"height": 224, "width": "224"}}""", "size.width")]
    [InlineData("""{"image_std": [0.2, 0, 0.2]}""", "image_std")]
    [InlineData("""{"size": -5}""", "size")]
    public void BadFieldNamesTheFileAndTheField(string json, string field)
    {
        var error = Assert.Throws<InvalidCheckpointException>(() => Parse(json));

        Assert.Contains("/ckpt/preprocessor_config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{field}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SerializedConfigParsesBackToTheSameValues()
    {
        var config = PreprocessorConfig.Default with { Height = 32, Width = 32 };

        var bytes = PreprocessorConfigJson.Serialize(config);
        var back = PreprocessorConfigJson.Parse(bytes, "p.json");

        Assert.Equal(config.ImageMean, back.ImageMean);
        Assert.Equal(config.ImageStd, back.ImageStd);
        Assert.Equal(config with { ImageMean = back.ImageMean, ImageStd = back.ImageStd }, back);
        Assert.Contains("\"image_processor_type\": \"ViTImageProcessor\"", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    private static PreprocessorConfig Parse(string json) =>
        PreprocessorConfigJson.Parse(Encoding.UTF8.GetBytes(json), "/ckpt/preprocessor_config.json");
}
