using System.Globalization;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Imaging;

namespace Mae.Cluster.Inference.Tests.Imaging;

/// <summary>The whole ViTImageProcessor path against Pillow plus Hugging Face's rescale/normalize arithmetic.</summary>
public sealed class ImagePreprocessorTests
{
    /// <summary>
    /// Mean absolute difference, in 8-bit levels, allowed between our decode+resize of a JPEG photo and Pillow's.
    /// ImageSharp's JPEG decoder is not bit-exact with libjpeg-turbo; measured on these photos (Pillow 9.4) the
    /// worst image was 0.17 levels after the 224×224 resize (see the test output), so 0.5 leaves room without
    /// letting a real decoding error (colour conversion, upsampling, orientation) through.
    /// </summary>
    private const double JpegMeanDifferenceBound = 0.5;

    [Fact]
    public void PngPhotosMatchHuggingFaceWithin1e6() =>
        AssertMatchesHuggingFace(PreprocessorConfig.Default, TestPhotos.Png);

    [Fact]
    public void OtherSizeMeanAndStdMatchHuggingFaceWithin1e6()
    {
        var config = new PreprocessorConfig
        {
            Height = 96,
            Width = 160,
            ImageMean = [0.5f, 0.25f, 0.75f],
            ImageStd = [0.5f, 0.3f, 0.125f],
            RescaleFactor = 1.0 / 255.0,
        };
        AssertMatchesHuggingFace(config, [TestPhotos.PathOf("astronaut.png"), TestPhotos.PathOf("coins.png")]);
    }

    [Fact]
    public void JpegPhotosStayCloseToPillow()
    {
        string[] photos = TestPhotos.Jpeg;
        using var temp = new TempDirectory();
        PillowReference.Run(["resize", "224x224", temp.Path, .. photos]);
        var decoder = new ImageDecoder();
        var output = TestContext.Current.TestOutputHelper!;
        double worst = 0;
        foreach (string photo in photos)
        {
            string name = Path.GetFileName(photo);
            var (_, _, expected) = PillowReference.ReadRgb(temp.Combine($"{name}@224x224.rgb"));
            using RgbImage decoded = decoder.Decode(File.ReadAllBytes(photo));
            using RgbImage resized = PilResize.Resize(decoded, 224, 224);
            double mean = PixelComparison.MeanAbsoluteDifference(resized.Pixels, expected);
            int max = PixelComparison.MaxAbsoluteDifference(resized.Pixels, expected);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-28} {decoded.Width}×{decoded.Height}: mean |Δ| {mean:F3}, max |Δ| {max} levels"));
            Assert.True(mean < JpegMeanDifferenceBound, $"{name}: mean difference {mean:F3} levels from Pillow");
            worst = Math.Max(worst, mean);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"worst mean |Δ| {worst:F3} levels"));
    }

    [Fact]
    public void PreprocessReturnsTheOriginalSize()
    {
        var preprocessor = new ImagePreprocessor(PreprocessorConfig.Default);
        var output = new float[preprocessor.OutputLength];
        ImageDimensions size = preprocessor.Preprocess(File.ReadAllBytes(TestPhotos.PathOf("coffee.png")), output);
        Assert.Equal(new ImageDimensions(600, 400), size);
        Assert.Equal(3 * 224 * 224, output.Length);
    }

    [Fact]
    public void ParallelPreprocessingGivesTheSequentialResults()
    {
        var preprocessor = new ImagePreprocessor(PreprocessorConfig.Default);
        byte[][] files = [.. TestPhotos.Png.Concat(TestPhotos.Jpeg).Select(File.ReadAllBytes)];
        float[][] sequential = [.. files.Select(file => Preprocess(preprocessor, file))];

        var parallel = new float[files.Length * 4][];
        Parallel.For(0, parallel.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            i => parallel[i] = Preprocess(preprocessor, files[i % files.Length]));

        for (int i = 0; i < parallel.Length; i++)
        {
            Assert.Equal(sequential[i % files.Length], parallel[i]);
        }
    }

    [Fact]
    public void DestinationOfWrongLengthIsRejected()
    {
        var preprocessor = new ImagePreprocessor(PreprocessorConfig.Default);
        var exception = Assert.Throws<ArgumentException>(
            () => preprocessor.Preprocess(File.ReadAllBytes(TestPhotos.PathOf("coins.png")), new float[224 * 224]));
        Assert.Contains("3×224×224 = 150528", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResampleOtherThanBilinearIsRejected()
    {
        var exception = Assert.Throws<NotSupportedException>(
            () => new ImagePreprocessor(PreprocessorConfig.Default with { Resample = 3 }));
        Assert.Contains("resample=3", exception.Message, StringComparison.Ordinal);
    }

    private static float[] Preprocess(ImagePreprocessor preprocessor, byte[] file)
    {
        var output = new float[preprocessor.OutputLength];
        preprocessor.Preprocess(file, output);
        return output;
    }

    private static void AssertMatchesHuggingFace(PreprocessorConfig config, string[] photos)
    {
        using var temp = new TempDirectory();
        PillowReference.Run([
            "preprocess", $"{config.Width}x{config.Height}", config.RescaleFactor.ToString("R", CultureInfo.InvariantCulture),
            Join(config.ImageMean), Join(config.ImageStd), temp.Path, .. photos]);

        var preprocessor = new ImagePreprocessor(config);
        foreach (string photo in photos)
        {
            float[] expected = PillowReference.ReadFloats(temp.Combine(Path.GetFileName(photo) + ".f32"));
            float[] actual = Preprocess(preprocessor, File.ReadAllBytes(photo));
            Assert.Equal(expected.Length, actual.Length);
            float worst = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
            }

            TestContext.Current.TestOutputHelper!.WriteLine(string.Create(
                CultureInfo.InvariantCulture, $"{Path.GetFileName(photo)}: largest |Δ| {worst:R}"));
            Assert.True(worst <= 1e-6f, $"{Path.GetFileName(photo)}: largest difference from Hugging Face {worst}");
        }
    }

    private static string Join(IReadOnlyList<float> values) =>
        string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
