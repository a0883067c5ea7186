using Mae.Cluster.Inference.Imaging;

namespace Mae.Cluster.Inference.Tests.Imaging;

/// <summary>The two libjpeg-turbo libraries the fast decode modes can use, for tests that cover both.</summary>
internal static class FastDecodeSupport
{
    /// <summary>Theory data: true = the system library (libturbojpeg), false = SkiaSharp's copy.</summary>
    public static TheoryData<bool> Libraries => [true, false];

    /// <summary>
    /// A decoder for <paramref name="mode"/> on the chosen library; skips the test, with the package to install,
    /// where the system library is wanted and absent.
    /// </summary>
    public static ModeImageDecoder Decoder(ImageDecodeMode mode, bool systemLibrary, ImageDecodeLimits? limits = null)
    {
        if (systemLibrary)
        {
            SkipWithoutSystemLibrary();
        }

        return new ModeImageDecoder(new ImageDecoder(limits), mode, systemLibrary);
    }

    public static void SkipWithoutSystemLibrary()
    {
        if (TurboJpegBackend.TryLoad() is null)
        {
            Assert.Skip("the system libjpeg-turbo (libturbojpeg.so.0) is not installed: apt-get install libturbojpeg0");
        }
    }

    /// <summary>Decodes for a 224×224 model input; the caller disposes the image.</summary>
    public static RgbImage Decode(ModeImageDecoder decoder, byte[] encoded) =>
        decoder.Decode(encoded, new ImageDimensions(224, 224), out _);
}
