//! Typed errors of the scanner crate.

/// A frame could not be built or read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// Width or height is zero or larger than [`crate::frame::MAX_SIDE`].
    #[error("unsupported frame size {width}x{height}")]
    Dimensions {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
    },
    /// The pixel buffer does not match the stated size.
    #[error("pixel buffer has {got} bytes, expected {expected}")]
    BufferSize {
        /// Bytes needed.
        expected: usize,
        /// Bytes given.
        got: usize,
    },
    /// The image file could not be decoded or encoded.
    #[error("image codec: {0}")]
    Image(String),
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// A frame source failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A frame could not be built.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// Listing a folder failed.
    #[error("cannot list {path}: {source}")]
    Folder {
        /// The folder.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The camera backend reported an error.
    #[error("camera: {0}")]
    Camera(String),
    /// This build has no camera support (cargo feature `camera`).
    #[error("camera support is not compiled in (cargo feature `camera`)")]
    CameraUnavailable,
}

/// A serial scanner failed.
#[derive(Debug, thiserror::Error)]
pub enum SerialError {
    /// Opening the port failed.
    #[error("cannot open serial port {path}: {message}")]
    Open {
        /// The device path.
        path: String,
        /// What the OS said.
        message: String,
    },
    /// Reading failed.
    #[error("serial read: {0}")]
    Io(#[from] std::io::Error),
    /// A scan grew past the configured limit without a terminator.
    #[error("scan longer than {0} bytes without a terminator")]
    Overlong(usize),
}
