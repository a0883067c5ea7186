using System.ComponentModel;

namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// Which decoder turns JPEGs into pixels before the resize. Every other format is decoded by ImageSharp in every
/// mode, and every mode applies the same limits and truncation checks (docs/preprocessing.md has the measurements).
/// </summary>
[TypeConverter(typeof(ImageDecodeModeConverter))]
public enum ImageDecodeMode
{
    /// <summary>
    /// ImageSharp for every format: managed code only. Its JPEG decoder is not libjpeg-turbo, so JPEG pixels differ
    /// from Pillow's by a fraction of a level on average.
    /// </summary>
    ImageSharp,

    /// <summary>
    /// JPEGs through libjpeg-turbo (the system's libturbojpeg, else SkiaSharp's copy) at full size: the decoder, IDCT
    /// and chroma upsampling Pillow uses, so the pixels are the ones Hugging Face's processor sees, and faster than ImageSharp.
    /// </summary>
    LibjpegTurbo,

    /// <summary>
    /// As <see cref="LibjpegTurbo"/>, but the JPEG is decoded at 1/2, 1/4 or 1/8 scale in the DCT domain whenever
    /// that scale still covers the model's input size on both sides; the resize then starts from the smaller image.
    /// Fastest; the model input differs slightly from Pillow's for images at least twice the input size.
    /// </summary>
    LibjpegTurboDctScaled,
}
