using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// Says once per process which JPEG decoder a preprocessor uses, and warns when the libjpeg-turbo modes run on
/// SkiaSharp's bundled copy: that copy has no SIMD on x86-64 and decodes at about half the speed, a silent slowdown
/// a missing system package (libturbojpeg0) would otherwise cause.
/// </summary>
internal static partial class JpegDecoderLog
{
    private static int _logged;

    public static void Once(ILogger logger, ImagePreprocessor preprocessor)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(preprocessor);
        if (Interlocked.Exchange(ref _logged, 1) != 0)
        {
            return;
        }

        if (preprocessor.SystemLibjpegTurboMissing)
        {
            LogSlowFallback(logger, preprocessor.DecodeMode, preprocessor.JpegDecoderName);
        }
        else
        {
            LogDecoder(logger, preprocessor.DecodeMode, preprocessor.JpegDecoderName, preprocessor.UsesVectorResize);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "JPEG decode mode {Mode}: {Decoder}; vector resize {VectorResize}")]
    private static partial void LogDecoder(ILogger logger, ImageDecodeMode mode, string decoder, bool vectorResize);

    [LoggerMessage(Level = LogLevel.Warning, Message = "JPEG decode mode {Mode}: the system libjpeg-turbo (libturbojpeg.so.0) did not load, so JPEGs are decoded by {Decoder}, which has no SIMD and is about half as fast; install libturbojpeg0 (Debian) or libturbojpeg (Ubuntu)")]
    private static partial void LogSlowFallback(ILogger logger, ImageDecodeMode mode, string decoder);
}
