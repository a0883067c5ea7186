using System.Buffers;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Imaging;

namespace Mae.Cluster.Bench;

/// <summary>One step from JPEG bytes towards the model input; returns the original image size.</summary>
internal delegate ImageDimensions DecodeStep(byte[] encoded, Span<float> destination);

/// <summary>A timed path of <c>mae bench decode</c>; <paramref name="ProducesInput"/> is false for decode-only rows.</summary>
internal sealed record DecodePath(string Name, DecodeStep Run, bool ProducesInput);

/// <summary>
/// The paths <c>mae bench decode</c> times: every decode mode with the library in use (and SkiaSharp's copy where that
/// is another), each as it ships, with the resize it had before the fused vector resize (issue 12: Pillow's resize
/// and a value table, through public API, so both run in one process on the same files), and as decode alone, so
/// that the table shows what share of each path is decoding and what is resizing.
/// </summary>
internal static class BenchDecodePaths
{
    /// <summary>Marks the row of <see cref="ImagePreprocessor.DefaultDecodeMode"/> in the table.</summary>
    public const string DefaultMarker = " (default)";

    public static DecodePath[] Create(ImagePreprocessor preprocessor)
    {
        var decoder = preprocessor.Decoder;
        var previous = new PreviousPreprocessing(preprocessor.Config);
        var paths = new List<DecodePath> { Shipped("ImageSharp", new ModeImageDecoder(decoder, ImageDecodeMode.ImageSharp), preprocessor) };
        var system = new ModeImageDecoder(decoder, ImageDecodeMode.LibjpegTurbo);
        var skia = new ModeImageDecoder(decoder, ImageDecodeMode.LibjpegTurbo, useSystemLibjpegTurbo: false);
        var libraries = skia.JpegDecoderName == system.JpegDecoderName ? [true] : new[] { true, false };
        foreach (bool useSystem in libraries)
        {
            foreach (var mode in new[] { ImageDecodeMode.LibjpegTurbo, ImageDecodeMode.LibjpegTurboDctScaled })
            {
                var modeDecoder = new ModeImageDecoder(decoder, mode, useSystem);
                string name = $"{mode}{(mode == ImagePreprocessor.DefaultDecodeMode ? DefaultMarker : "")}: {modeDecoder.JpegDecoderName}";
                paths.Add(Shipped(name, modeDecoder, preprocessor));
                paths.Add(new(name + ", resize before issue 12", (encoded, destination) =>
                {
                    using RgbImage image = Decode(modeDecoder, preprocessor, encoded, out var original);
                    previous.Preprocess(image, destination);
                    return original;
                }, ProducesInput: true));
                paths.Add(new(name + ", decode only", (encoded, _) =>
                {
                    using RgbImage image = Decode(modeDecoder, preprocessor, encoded, out var original);
                    return original;
                }, ProducesInput: false));
            }
        }

        return [.. paths];
    }

    private static DecodePath Shipped(string name, ModeImageDecoder decoder, ImagePreprocessor preprocessor) =>
        new(name, (encoded, destination) =>
        {
            using RgbImage image = Decode(decoder, preprocessor, encoded, out var original);
            preprocessor.Preprocess(image, destination);
            return original;
        }, ProducesInput: true);

    private static RgbImage Decode(ModeImageDecoder decoder, ImagePreprocessor preprocessor, byte[] encoded, out ImageDimensions original) =>
        decoder.Decode(encoded, new ImageDimensions(preprocessor.Width, preprocessor.Height), out original);

    /// <summary>
    /// <c>ImagePreprocessor.Preprocess(RgbImage, …)</c> before issue 12: <see cref="PilResize"/> into an interleaved
    /// buffer, then a 3 × 256 table of Hugging Face's rescale and normalize, written channel-major. Its floats are the
    /// shipped path's (the Inference tests compare the two element by element).
    /// </summary>
    private sealed class PreviousPreprocessing(PreprocessorConfig config)
    {
        private readonly float[] _table = ValueTable(config);

        public void Preprocess(RgbImage image, Span<float> destination)
        {
            int length = config.Width * config.Height * 3;
            byte[] resized = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                PilResize.Resize(image.Pixels, image.Width, image.Height, resized.AsSpan(0, length), config.Width, config.Height);
                int plane = length / 3;
                ReadOnlySpan<float> red = _table.AsSpan(0, 256), green = _table.AsSpan(256, 256), blue = _table.AsSpan(512, 256);
                for (int i = 0; i < plane; i++)
                {
                    destination[i] = red[resized[i * 3]];
                    destination[plane + i] = green[resized[(i * 3) + 1]];
                    destination[(2 * plane) + i] = blue[resized[(i * 3) + 2]];
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(resized);
            }
        }

        private static float[] ValueTable(PreprocessorConfig config)
        {
            var table = new float[3 * 256];
            for (int channel = 0; channel < 3; channel++)
            {
                float mean = config.ImageMean[channel], std = config.ImageStd[channel];
                for (int value = 0; value < 256; value++)
                {
                    float x = config.DoRescale ? (float)(value * config.RescaleFactor) : value;
                    table[(channel * 256) + value] = config.DoNormalize ? (x - mean) / std : x;
                }
            }

            return table;
        }
    }
}
