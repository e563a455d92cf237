"""MediaPipe Face Mesh index groups (canonical 468-point topology, plus 10 iris points), shared by every task.

"Left" and "right" are image left and right (the subject's right and left). Each group is a tuple of landmark
indices into the (478, 2) pixel array of :class:`xai.core.faces.DetectedFace`.
"""

from __future__ import annotations

FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
             176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
LEFT_EYE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
RIGHT_EYE = (362, 382, 381, 380, 374, 373, 390, 249, 263, 466, 388, 387, 386, 385, 384, 398)
LEFT_BROW = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)
RIGHT_BROW = (300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
NOSE = (168, 6, 197, 195, 5, 4, 1, 19, 94, 2, 98, 327, 129, 358, 49, 279, 48, 278, 64, 294, 240, 460)
OUTER_LIPS = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
LEFT_CHEEK = (116, 117, 118, 119, 100, 142, 203, 206, 207, 187, 123, 50, 101, 36, 205)
RIGHT_CHEEK = (345, 346, 347, 348, 329, 371, 423, 426, 427, 411, 352, 280, 330, 266, 425)

#: The five alignment points: corners of each eye (their mean is the eye centre), nose tip, mouth corners.
LEFT_EYE_CORNERS = (33, 133)
RIGHT_EYE_CORNERS = (362, 263)
NOSE_TIP = 1
MOUTH_CORNERS = (61, 291)
