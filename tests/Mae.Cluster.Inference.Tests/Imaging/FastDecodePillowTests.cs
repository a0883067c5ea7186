using System.Globalization;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Imaging;

namespace Mae.Cluster.Inference.Tests.Imaging;

/// <summary>
/// The libjpeg-turbo modes against Pillow (which decodes JPEGs with libjpeg-turbo too): full-size decodes are
/// Pillow's bytes exactly, whichever libjpeg-turbo library is loaded; DCT-scaled decodes stay a faithful downscale.
/// </summary>
public sealed class FastDecodePillowTests(FormatSamples samples) : IClassFixture<FormatSamples>
{
    /// <summary>
    /// Mean absolute difference, in 8-bit levels, allowed between the 224×224 resize of a FastJpeg decode and that of
    /// Pillow's (or the exact path's) full-size decode. Measured on these photos: 0.12–1.06 levels against Pillow
    /// (worst mate-storm.jpg; single pixels up to 50 levels on fine strings in ukui-string.jpg), 0.15–1.08 against
    /// the exact path, whose own distance to Pillow is under 0.17. The bound leaves room without letting a wrong
    /// scale, colour order or upsampling through (those cost tens of levels on average).
    /// </summary>
    private const double FastJpegMeanDifferenceBound = 1.5;

    /// <summary>Measured 1.32 levels on mate-dune.jpg (the DCT's low-pass is not a box filter); a misplaced or mis-coloured decode is tens of levels off.</summary>
    private const double HalfScaleMeanDifferenceBound = 2.0;

    [Theory]
    [MemberData(nameof(FastDecodeSupport.Libraries), MemberType = typeof(FastDecodeSupport))]
    public void FullSizeDecodeOfJpegPhotosIsPillowsExactly(bool systemLibrary)
    {
        var decoder = FastDecodeSupport.Decoder(ImageDecodeMode.LibjpegTurbo, systemLibrary);
        string[] photos = TestPhotos.Jpeg;
        using var temp = new TempDirectory();
        PillowReference.Run(["decode", temp.Path, .. photos]);
        foreach (string photo in photos)
        {
            string name = Path.GetFileName(photo);
            var (width, height, expected) = PillowReference.ReadRgb(temp.Combine(name + ".rgb"));
            using RgbImage image = FastDecodeSupport.Decode(decoder, File.ReadAllBytes(photo));
            Assert.Equal((width, height), (image.Width, image.Height));
            PixelComparison.AssertIdentical(expected, image.Pixels, width, name);
        }
    }

    [Theory]
    [InlineData("baseline.jpg", true)]
    [InlineData("baseline.jpg", false)]
    [InlineData("progressive.jpg", true)]
    [InlineData("progressive.jpg", false)]
    [InlineData("gray.jpg", true)]
    [InlineData("gray.jpg", false)]
    [InlineData("cmyk.jpg", true)]
    [InlineData("cmyk.jpg", false)]
    public void FullSizeDecodeOfJpegVariantIsPillowsExactly(string name, bool systemLibrary)
    {
        var decoder = FastDecodeSupport.Decoder(ImageDecodeMode.LibjpegTurbo, systemLibrary);
        using RgbImage image = FastDecodeSupport.Decode(decoder, samples.Bytes(name));
        var (width, height, expected) = samples.PillowDecode(name);
        Assert.Equal((width, height), (image.Width, image.Height));
        PixelComparison.AssertIdentical(expected, image.Pixels, width, name);
    }

    /// <summary>With Pillow's decode, Pillow's resize and Hugging Face's arithmetic, the model input is Hugging Face's.</summary>
    [Fact]
    public void LibjpegTurboModelInputOfJpegPhotosMatchesHuggingFace()
    {
        var config = PreprocessorConfig.Default;
        string[] photos = TestPhotos.Jpeg;
        using var temp = new TempDirectory();
        PillowReference.Run([
            "preprocess", "224x224", config.RescaleFactor.ToString("R", CultureInfo.InvariantCulture),
            Join(config.ImageMean), Join(config.ImageStd), temp.Path, .. photos]);
        var preprocessor = new ImagePreprocessor(config, decodeMode: ImageDecodeMode.LibjpegTurbo);
        var actual = new float[preprocessor.OutputLength];
        foreach (string photo in photos)
        {
            float[] expected = PillowReference.ReadFloats(temp.Combine(Path.GetFileName(photo) + ".f32"));
            preprocessor.Preprocess(File.ReadAllBytes(photo), actual);
            float worst = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
            }

            Assert.True(worst <= 1e-6f, $"{Path.GetFileName(photo)}: largest difference {worst} from Hugging Face");
        }
    }

    [Theory]
    [MemberData(nameof(FastDecodeSupport.Libraries), MemberType = typeof(FastDecodeSupport))]
    public void FastJpegResizedPhotosStayCloseToPillow(bool systemLibrary)
    {
        var decoder = FastDecodeSupport.Decoder(ImageDecodeMode.LibjpegTurboDctScaled, systemLibrary);
        string[] photos = TestPhotos.Jpeg;
        using var temp = new TempDirectory();
        PillowReference.Run(["resize", "224x224", temp.Path, .. photos]);
        var output = TestContext.Current.TestOutputHelper!;
        var exactDecoder = new ImageDecoder();
        int scaled = 0;
        foreach (string photo in photos)
        {
            string name = Path.GetFileName(photo);
            var (_, _, expected) = PillowReference.ReadRgb(temp.Combine($"{name}@224x224.rgb"));
            using RgbImage decoded = decoder.Decode(File.ReadAllBytes(photo), new ImageDimensions(224, 224), out ImageDimensions original);
            using RgbImage resized = PilResize.Resize(decoded, 224, 224);
            double mean = PixelComparison.MeanAbsoluteDifference(resized.Pixels, expected);
            int max = PixelComparison.MaxAbsoluteDifference(resized.Pixels, expected);
            using RgbImage exactDecoded = exactDecoder.Decode(File.ReadAllBytes(photo));
            using RgbImage exact = PilResize.Resize(exactDecoded, 224, 224);
            double meanToExact = PixelComparison.MeanAbsoluteDifference(resized.Pixels, exact.Pixels);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-28} decoded {decoded.Width}×{decoded.Height}: mean |Δ| {mean:F3}, max |Δ| {max} levels from Pillow; mean |Δ| {meanToExact:F3} from the exact path"));
            Assert.True(mean < FastJpegMeanDifferenceBound, string.Create(CultureInfo.InvariantCulture, $"{name}: mean difference {mean:F3} levels from Pillow"));
            Assert.True(meanToExact < FastJpegMeanDifferenceBound, string.Create(CultureInfo.InvariantCulture, $"{name}: mean difference {meanToExact:F3} levels from the exact path"));
            scaled += decoded.Width < original.Width ? 1 : 0;
        }

        Assert.True(scaled > photos.Length / 2, $"only {scaled} of {photos.Length} photos were decoded at a reduced scale");
    }

    /// <summary>
    /// A 1/2-scale DCT decode is a low-pass downscale: close to the 2×2 average of Pillow's full-size decode, far from
    /// anything misplaced or mis-coloured.
    /// </summary>
    [Theory]
    [MemberData(nameof(FastDecodeSupport.Libraries), MemberType = typeof(FastDecodeSupport))]
    public void HalfScaleDecodeIsCloseToA2x2AverageOfPillowsDecode(bool systemLibrary)
    {
        var decoder = FastDecodeSupport.Decoder(ImageDecodeMode.LibjpegTurboDctScaled, systemLibrary);
        string photo = TestPhotos.PathOf("mate-dune.jpg");
        using var temp = new TempDirectory();
        PillowReference.Run("decode", temp.Path, photo);
        var (width, height, full) = PillowReference.ReadRgb(temp.Combine("mate-dune.jpg.rgb"));
        using RgbImage half = FastDecodeSupport.Decode(decoder, File.ReadAllBytes(photo));
        Assert.Equal((width / 2, height / 2), (half.Width, half.Height));

        byte[] averaged = new byte[half.Pixels.Length];
        for (int y = 0; y < half.Height; y++)
        {
            for (int x = 0; x < half.Width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    int sum = full[(((2 * y) * width) + (2 * x)) * 3 + c] + full[(((2 * y) * width) + (2 * x) + 1) * 3 + c]
                        + full[(((2 * y) + 1) * width + (2 * x)) * 3 + c] + full[((((2 * y) + 1) * width) + (2 * x) + 1) * 3 + c];
                    averaged[((y * half.Width) + x) * 3 + c] = (byte)((sum + 2) / 4);
                }
            }
        }

        double mean = PixelComparison.MeanAbsoluteDifference(half.Pixels, averaged);
        TestContext.Current.TestOutputHelper!.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mean |Δ| to the 2×2 average: {mean:F3} levels"));
        Assert.True(mean < HalfScaleMeanDifferenceBound, string.Create(CultureInfo.InvariantCulture, $"mean difference {mean:F3} levels from the 2×2 average"));
    }

    private static string Join(IReadOnlyList<float> values) =>
        string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
