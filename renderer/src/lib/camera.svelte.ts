// Runs in the renderer. The webcam: one stream at a time, frames grabbed as JPEG for the engine.
import { FaceKitError } from '../../../api/errors.ts';

export class Camera {
  stream = $state<MediaStream | null>(null);
  error = $state('');
  devices = $state<MediaDeviceInfo[]>([]);

  /** Starts the camera (deviceId '' = the system default) at 640×480 if it can. */
  async start(video: HTMLVideoElement, deviceId = ''): Promise<boolean> {
    this.stop();
    this.error = '';
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 }, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) },
        audio: false,
      });
      this.stream = stream;
      video.srcObject = stream;
      await video.play();
      this.devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
      return true;
    } catch (error) {
      const name = (error as DOMException).name;
      this.error =
        name === 'NotAllowedError'
          ? 'Camera access was denied. Allow the camera for FaceKit and try again.'
          : name === 'NotFoundError' || name === 'OverconstrainedError'
            ? 'No camera was found. Connect one, or choose another in Settings.'
            : `The camera could not start: ${(error as Error).message}`;
      return false;
    }
  }

  stop(): void {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
  }

  /** The current frame as JPEG bytes (null before the first frame arrives). */
  async grab(video: HTMLVideoElement, quality = 0.85): Promise<Uint8Array<ArrayBuffer> | null> {
    if (!video.videoWidth) return null;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const context = canvas.getContext('2d');
    if (!context) throw new FaceKitError('INTERNAL', 'the browser gave no 2D canvas to copy the camera frame onto');
    context.drawImage(video, 0, 0);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
    return blob ? new Uint8Array(await blob.arrayBuffer()) : null;
  }
}

/** Lists cameras (labels appear only after permission was granted once). */
export async function listCameras(): Promise<MediaDeviceInfo[]> {
  return (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
}
